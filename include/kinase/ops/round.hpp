#pragma once
// round is piecewise constant: derivative 0 everywhere, jumps included
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Round {
  static constexpr std::string_view name = "round";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::round;
    return round(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return Zero{};
  }
};

}  // namespace kinase::ops

namespace kinase {

/// round(x) for an active scalar (found by ADL: `using std::round; round(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto round(const X& x) {
  return apply<ops::Round>(x);
}

}  // namespace kinase
