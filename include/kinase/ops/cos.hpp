#pragma once
// d/dx cos(x) = −sin(x)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Cos {
  static constexpr std::string_view name = "cos";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::cos;
    return cos(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using std::sin;
    return -sin(x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// cos(x) for an active scalar (found by ADL: `using std::cos; cos(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto cos(const X& x) {
  return apply<ops::Cos>(x);
}

}  // namespace kinase
