#pragma once
// fmax(x, y) picks one argument, so its partials are 1 for the one picked and 0 for the other.
// Edges, decided once: at a tie (x == y) each partial is 1/2, so that fmax(x, x) has derivative 1 and the
// choice is symmetric (as in JAX).
// A nan argument is ignored, as fmin/fmax ignore it: the partial of the number returned is 1.
#include <cmath>
#include <concepts>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Fmax {
  static constexpr std::string_view name = "fmax";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};

  static constexpr auto primal(const auto& x, const auto& y) {
    using R = promote_t<decltype(x), decltype(y)>;
    // through the public name, so that nested Duals apply this rule (ties included) at every level
    using std::fmax;
    return fmax(R(x), R(y));
  }

  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    // fmax ignores a nan argument: the derivative follows the number it returns.
    const bool x_nan = base_value(x) != base_value(x);
    const bool y_nan = base_value(y) != base_value(y);
    const bool picks_x = !x_nan && (y_nan || !(x < y));
    const bool tie = x == y;  // (false when either is nan)
    return selection_partial<I, R>(picks_x, tie);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// fmax(x, y) for active scalars (ties split the derivative evenly).
template <class A, class B>
requires AnyActive<A, B>
constexpr auto fmax(const A& x, const B& y) { return apply<ops::Fmax>(x, y); }

}  // namespace kinase
