#pragma once
// pow(x, y) = x^y with a real (or active) exponent; an integer exponent uses PowInt (pow_int.hpp).
//   ∂/∂x = y · x^(y−1)      ∂/∂y = x^y · log(x)
// Edges, decided once:
//   y = 0:  ∂/∂x = 0 everywhere, x = 0 included (x^0 is the constant 1; y · x^(−1) would be 0 · inf = nan at x = 0;
//           elsewhere the formula itself is used, so that nested Duals keep ∂²/∂x∂y = 1/x)
//   x = 0:  ∂/∂y = 0 for every y (0^y is 0 for y > 0; x^y log x would be 0 · (−inf) = nan)
//   x = 0:  ∂/∂x = y · 0^(y−1): 1 for y = 1, 0 for y = 2, +inf for y = 0.5 (one-sided infinite slope)
//   x < 0 with integral y: ∂/∂x is finite; ∂/∂y is nan (log of a negative number: x^y is not real-valued near y)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Pow {
  static constexpr std::string_view name = "pow";
  static constexpr int arity = 2;
  static constexpr Domain domain[] = {{0.1, 4.0}, {-3.0, 3.0}};

  static constexpr auto primal(const auto& x, const auto& y) {
    using std::pow;
    return pow(x, y);
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    using std::log;
    using std::pow;
    if constexpr (I == 0) {
      if (y == 0 && x == 0) return R(0);  // only where the formula gives 0 · inf; elsewhere it is exact
      return R(y * pow(x, y - 1));
    } else {
      if (x == 0) return R(0);
      return R(r * log(x));
    }
  }
};

}  // namespace kinase::ops

namespace kinase {

/// pow(x, y) for active scalars with a real exponent (an integer exponent goes to PowInt).
template <class A, class B>
requires AnyActive<A, B> &&(!std::is_integral_v<B>)constexpr auto pow(const A& x, const B& y) {
  return apply<ops::Pow>(x, y);
}

}  // namespace kinase
