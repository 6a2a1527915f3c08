#pragma once
// d/dx |x| = sign(x)
// edge: abs'(0) = 0, the subgradient of least norm (as JAX and PyTorch decide); nan gives 0
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Abs {
  static constexpr std::string_view name = "abs";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::abs;
    return abs(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    if (x > 0) return R(1);
    if (x < 0) return R(-1);
    return R(0);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// abs(x) for an active scalar (found by ADL: `using std::abs; abs(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto abs(const X& x) {
  return apply<ops::Abs>(x);
}
/// fabs(x) is abs(x): the same rule.
template <ActiveScalar X>
constexpr auto fabs(const X& x) {
  return apply<ops::Abs>(x);
}

}  // namespace kinase
