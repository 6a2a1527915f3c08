#pragma once
// d/dx log₂(x) = 1/(x ln 2)
// edge: log2'(0) = +inf
#include <cmath>
#include <numbers>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Log2 {
  static constexpr std::string_view name = "log2";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.01, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::log2;
    return log2(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (x * std::numbers::ln2_v<base_scalar_t<R>>);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// log2(x) for an active scalar (found by ADL: `using std::log2; log2(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto log2(const X& x) {
  return apply<ops::Log2>(x);
}

}  // namespace kinase
