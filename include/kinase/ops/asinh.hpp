#pragma once
// d/dx asinh(x) = 1/√(x² + 1), written 1/hypot(x, 1) so that x = 1e300 gives 1e-300, not 0 from an overflow
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Asinh {
  static constexpr std::string_view name = "asinh";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::asinh;
    return asinh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::hypot;
    return R(1) / hypot(x, R(1));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// asinh(x) for an active scalar (found by ADL: `using std::asinh; asinh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto asinh(const X& x) {
  return apply<ops::Asinh>(x);
}

}  // namespace kinase
