#pragma once
// d/dx log(x) = 1/x
// edge: log'(0) = +inf (1/+0, IEEE); negative x gives the formula's value while log is nan
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Log {
  static constexpr std::string_view name = "log";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.01, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::log;
    return log(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / x;
  }
};

}  // namespace kinase::ops

namespace kinase {

/// log(x) for an active scalar (found by ADL: `using std::log; log(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto log(const X& x) {
  return apply<ops::Log>(x);
}

}  // namespace kinase
