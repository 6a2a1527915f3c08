#pragma once
// d/dx ∛x = 1/(3 ∛x²), written in the result r
// edge: cbrt'(0) = +inf
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Cbrt {
  static constexpr std::string_view name = "cbrt";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::cbrt;
    return cbrt(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (R(3) * r * r);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// cbrt(x) for an active scalar (found by ADL: `using std::cbrt; cbrt(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto cbrt(const X& x) {
  return apply<ops::Cbrt>(x);
}

}  // namespace kinase
