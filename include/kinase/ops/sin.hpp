#pragma once
// d/dx sin(x) = cos(x)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Sin {
  static constexpr std::string_view name = "sin";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::sin;
    return sin(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using std::cos;
    return cos(x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// sin(x) for an active scalar (found by ADL: `using std::sin; sin(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto sin(const X& x) {
  return apply<ops::Sin>(x);
}

}  // namespace kinase
