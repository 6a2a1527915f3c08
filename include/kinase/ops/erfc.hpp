#pragma once
// d/dx erfc(x) = −(2/√π) e^(−x²)
#include <cmath>
#include <numbers>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Erfc {
  static constexpr std::string_view name = "erfc";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-3.0, 3.0}};

  static constexpr auto primal(const auto& x) {
    using std::erfc;
    return erfc(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::exp;
    return R(-2 * std::numbers::inv_sqrtpi_v<base_scalar_t<R>>) * exp(-(x * x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// erfc(x) for an active scalar (found by ADL: `using std::erfc; erfc(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto erfc(const X& x) {
  return apply<ops::Erfc>(x);
}

}  // namespace kinase
