#pragma once
// d/dx erf(x) = (2/√π) e^(−x²)
#include <cmath>
#include <numbers>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Erf {
  static constexpr std::string_view name = "erf";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-3.0, 3.0}};

  static constexpr auto primal(const auto& x) {
    using std::erf;
    return erf(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::exp;
    return R(2 * std::numbers::inv_sqrtpi_v<base_scalar_t<R>>) * exp(-(x * x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// erf(x) for an active scalar (found by ADL: `using std::erf; erf(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto erf(const X& x) {
  return apply<ops::Erf>(x);
}

}  // namespace kinase
