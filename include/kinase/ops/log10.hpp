#pragma once
// d/dx log₁₀(x) = 1/(x ln 10)
// edge: log10'(0) = +inf
#include <cmath>
#include <numbers>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Log10 {
  static constexpr std::string_view name = "log10";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.01, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::log10;
    return log10(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (x * std::numbers::ln10_v<base_scalar_t<R>>);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// log10(x) for an active scalar (found by ADL: `using std::log10; log10(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto log10(const X& x) {
  return apply<ops::Log10>(x);
}

}  // namespace kinase
