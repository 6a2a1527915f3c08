#pragma once
// d/dx cosh(x) = sinh(x)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Cosh {
  static constexpr std::string_view name = "cosh";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-5.0, 5.0}};

  static constexpr auto primal(const auto& x) {
    using std::cosh;
    return cosh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using std::sinh;
    return sinh(x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// cosh(x) for an active scalar (found by ADL: `using std::cosh; cosh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto cosh(const X& x) {
  return apply<ops::Cosh>(x);
}

}  // namespace kinase
