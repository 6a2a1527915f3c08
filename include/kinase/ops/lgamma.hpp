#pragma once
// d/dx log|Γ(x)| = ψ(x), the digamma function.
// Edge: at the poles x = 0, −1, −2, ... lgamma is +inf and the slope is nan (decided: ψ goes to ±inf on the two
// sides).
#include <cmath>

#include "kinase/ops/polygamma.hpp"

namespace kinase::ops {

struct Lgamma {
  static constexpr std::string_view name = "lgamma";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.2, 12.0}};

  static constexpr auto primal(const auto& x) {
    using std::lgamma;
    return lgamma(x);
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& r) {
    using R = result_t<decltype(r)>;
    return R(kinase::digamma(x));  // nan at the poles, from polygamma
  }
};

}  // namespace kinase::ops

namespace kinase {

/// log|Γ(x)| for an active scalar.
template <ActiveScalar X>
constexpr auto lgamma(const X& x) {
  return apply<ops::Lgamma>(x);
}

}  // namespace kinase
