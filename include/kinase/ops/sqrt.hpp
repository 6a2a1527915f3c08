#pragma once
// d/dx √x = 1/(2√x), written in the result r
// edge: sqrt'(0) = +inf (one-sided infinite slope), so
// sqrt(x·x) at 0 gives inf·0 = nan: use abs or hypot there
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Sqrt {
  static constexpr std::string_view name = "sqrt";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.01, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::sqrt;
    return sqrt(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / (R(2) * r);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// sqrt(x) for an active scalar (found by ADL: `using std::sqrt; sqrt(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto sqrt(const X& x) {
  return apply<ops::Sqrt>(x);
}

}  // namespace kinase
