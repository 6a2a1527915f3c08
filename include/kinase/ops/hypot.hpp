#pragma once
// d hypot(x, y) = (x dx + y dy) / hypot(x, y), written in the result r so that 1e±200 neither overflows nor
// underflows. Edge: the gradient at (0, 0) is (0, 0) (decided: the subgradient of least norm, as for abs at 0).
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Hypot {
  static constexpr std::string_view name = "hypot";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};

  static constexpr auto primal(const auto& x, const auto& y) {
    using std::hypot;
    return hypot(x, y);
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    if (r == 0) return R(0);
    if constexpr (I == 0)
      return R(x / r);
    else
      return R(y / r);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// hypot(x, y) = √(x² + y²) without overflow, for active scalars.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto hypot(const A& x, const B& y) { return apply<ops::Hypot>(x, y); }

}  // namespace kinase
