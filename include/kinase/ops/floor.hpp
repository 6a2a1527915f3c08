#pragma once
// floor is piecewise constant: its derivative is 0 everywhere, jumps included (decided: 0, not nan)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Floor {
  static constexpr std::string_view name = "floor";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::floor;
    return floor(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return Zero{};
  }
};

}  // namespace kinase::ops

namespace kinase {

/// floor(x) for an active scalar (found by ADL: `using std::floor; floor(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto floor(const X& x) {
  return apply<ops::Floor>(x);
}

}  // namespace kinase
