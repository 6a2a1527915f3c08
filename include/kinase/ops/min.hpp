#pragma once
// min(x, y) picks one argument, so its partials are 1 for the one picked and 0 for the other.
// Edges, decided once: at a tie (x == y) each partial is 1/2, so that min(x, x) has derivative 1 and the
// choice is symmetric (as in JAX).
// When one argument is nan the comparison is false and the derivative follows the argument returned.
#include <cmath>
#include <concepts>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Min {
  static constexpr std::string_view name = "min";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};

  static constexpr auto primal(const auto& x, const auto& y) {
    using R = promote_t<decltype(x), decltype(y)>;
    // through the public name, so that nested Duals apply this rule (ties included) at every level
    using std::min;
    return min(R(x), R(y));
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    // std::min returns x unless y < x; nan makes the comparison false, so the derivative follows x.
    const bool picks_x = !(y < x);
    const bool tie = x == y;  // (false when either is nan)
    return selection_partial<I, R>(picks_x, tie);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// min(x, y) for active scalars (ties split the derivative evenly).
template <class A, class B>
requires AnyActive<A, B>
constexpr auto min(const A& x, const B& y) { return apply<ops::Min>(x, y); }

/// The same-type overload: more constrained than std::min(const T&, const T&), so `using std::min; min(a, b)`
/// picks Kinase's rule (with its tie rule) for two active scalars of one type.
template <ActiveScalar X>
constexpr auto min(const X& x, const X& y) {
  return apply<ops::Min>(x, y);
}

}  // namespace kinase
