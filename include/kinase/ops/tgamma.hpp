#pragma once
// d/dx Γ(x) = Γ(x) ψ(x), written in the result r.
// Edge: at the poles x = 0, −1, −2, ... the slope is nan (decided: Γ jumps from −inf to +inf there).
#include <cmath>
#include <limits>

#include "kinase/ops/polygamma.hpp"

namespace kinase::ops {

struct Tgamma {
  static constexpr std::string_view name = "tgamma";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.2, 6.0}};

  static constexpr auto primal(const auto& x) {
    using std::tgamma;
    return tgamma(x);
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& r) {
    using R = result_t<decltype(r)>;
    using std::floor;
    const auto b = base_value(x);
    if (b <= 0 && b == floor(b)) return R(std::numeric_limits<base_scalar_t<R>>::quiet_NaN());
    return R(r * kinase::digamma(x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// Γ(x) for an active scalar.
template <ActiveScalar X>
constexpr auto tgamma(const X& x) {
  return apply<ops::Tgamma>(x);
}

}  // namespace kinase
