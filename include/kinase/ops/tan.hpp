#pragma once
// d/dx tan(x) = 1 + tan²(x), written in the result r: no second trigonometric call, no cancellation
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Tan {
  static constexpr std::string_view name = "tan";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-1.5, 1.5}};

  static constexpr auto primal(const auto& x) {
    using std::tan;
    return tan(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) + r * r;
  }
};

}  // namespace kinase::ops

namespace kinase {

/// tan(x) for an active scalar (found by ADL: `using std::tan; tan(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto tan(const X& x) {
  return apply<ops::Tan>(x);
}

}  // namespace kinase
