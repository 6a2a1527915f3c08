#pragma once
// d/dx atan(x) = 1/(1 + x²); for |x| > 1e154 x² overflows and the slope is 0, below the smallest double anyway
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Atan {
  static constexpr std::string_view name = "atan";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::atan;
    return atan(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (R(1) + x * x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// atan(x) for an active scalar (found by ADL: `using std::atan; atan(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto atan(const X& x) {
  return apply<ops::Atan>(x);
}

}  // namespace kinase
