#pragma once
// max(x, y) picks one argument, so its partials are 1 for the one picked and 0 for the other.
// Edges, decided once: at a tie (x == y) each partial is 1/2, so that max(x, x) has derivative 1 and the
// choice is symmetric (as in JAX).
// When one argument is nan the comparison is false and the derivative follows the argument returned.
#include <cmath>
#include <concepts>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Max {
  static constexpr std::string_view name = "max";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};

  static constexpr auto primal(const auto& x, const auto& y) {
    using R = promote_t<decltype(x), decltype(y)>;
    // through the public name, so that nested Duals apply this rule (ties included) at every level
    using std::max;
    return max(R(x), R(y));
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    // std::max returns x unless x < y; nan makes the comparison false, so the derivative follows x.
    const bool picks_x = !(x < y);
    const bool tie = x == y;  // (false when either is nan)
    return selection_partial<I, R>(picks_x, tie);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// max(x, y) for active scalars (ties split the derivative evenly).
template <class A, class B>
requires AnyActive<A, B>
constexpr auto max(const A& x, const B& y) { return apply<ops::Max>(x, y); }

/// The same-type overload: more constrained than std::max(const T&, const T&), so `using std::max; max(a, b)`
/// picks Kinase's rule (with its tie rule) for two active scalars of one type.
template <ActiveScalar X>
constexpr auto max(const X& x, const X& y) {
  return apply<ops::Max>(x, y);
}

}  // namespace kinase
