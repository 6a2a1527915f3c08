#pragma once
// atan2(y, x) is the angle of the point (x, y).
//   ∂/∂y = x/(x² + y²),  ∂/∂x = −y/(x² + y²),  written (x/h)/h with h = hypot(x, y) so that large and tiny
//   arguments neither overflow nor underflow.
// Edges: the gradient at (0, 0) is (0, 0) (decided, as for hypot). Across the negative x axis the primal jumps by
// 2π but the partials are continuous: they are those of the local branch, the same on both sides.
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Atan2 {
  static constexpr std::string_view name = "atan2";
  static constexpr int arity = 2;
  static constexpr Domain domain[] = {{-5.0, 5.0}, {-5.0, 5.0}};

  static constexpr auto primal(const auto& y, const auto& x) {
    using std::atan2;
    return atan2(y, x);
  }

  template <int I>
  static constexpr auto partial(const auto& y, const auto& x, const auto& r) {
    using R = result_t<decltype(r)>;
    using std::hypot;
    const auto h = hypot(y, x);
    if (h == 0) return R(0);
    if constexpr (I == 0)
      return R((x / h) / h);
    else
      return R((-y / h) / h);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// atan2(y, x) for active scalars.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto atan2(const A& y, const B& x) { return apply<ops::Atan2>(y, x); }

}  // namespace kinase
