#pragma once
// d/dx log(1 + x) = 1/(1 + x); exact to rounding at tiny x
// edge: log1p'(−1) = +inf
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Log1p {
  static constexpr std::string_view name = "log1p";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{-0.9, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::log1p;
    return log1p(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (R(1) + x);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// log1p(x) for an active scalar (found by ADL: `using std::log1p; log1p(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto log1p(const X& x) {
  return apply<ops::Log1p>(x);
}

}  // namespace kinase
