#pragma once
// d/dx sinh(x) = cosh(x)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Sinh {
  static constexpr std::string_view name = "sinh";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-5.0, 5.0}};

  static constexpr auto primal(const auto& x) {
    using std::sinh;
    return sinh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using std::cosh;
    return cosh(x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// sinh(x) for an active scalar (found by ADL: `using std::sinh; sinh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto sinh(const X& x) {
  return apply<ops::Sinh>(x);
}

}  // namespace kinase
