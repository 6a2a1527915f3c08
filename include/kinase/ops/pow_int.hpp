#pragma once
// pow(x, n) with an integer exponent n (a parameter: it carries no derivative).
//   d/dx xⁿ = n · xⁿ⁻¹
// Edges: n = 0 gives 0 everywhere and n = 1 gives 1 everywhere, x = 0 included (n · xⁿ⁻¹ would be 0 · inf = nan
// for n = 0); for n ≥ 2 the slope at 0 is 0; for n < 0 it is ∓inf, as the primal is.
#include <cmath>
#include <concepts>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct PowInt {
  static constexpr std::string_view name = "pow_int";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{-3.0, 3.0}};

  static constexpr auto primal(const auto& x, int n) {
    using X = std::remove_cvref_t<decltype(x)>;
    using std::pow;
    return X(pow(x, n));
  }

  template <int I>
  static constexpr auto partial(const auto& x, int n, const auto& r) {
    using R = result_t<decltype(r)>;
    using std::pow;
    if (n == 0) return R(0);
    if (n == 1) return R(1);
    return R(static_cast<base_scalar_t<R>>(n) * pow(x, n - 1));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// pow(x, n) for an active x and an integer exponent n.
template <ActiveScalar X, std::integral N>
constexpr auto pow(const X& x, N n) {
  return apply<ops::PowInt>(x, static_cast<int>(n));
}

}  // namespace kinase
