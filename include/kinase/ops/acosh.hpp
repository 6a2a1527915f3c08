#pragma once
// d/dx acosh(x) = 1/√(x² − 1), written 1/(√(x − 1)·√(x + 1)): accurate near 1 and no overflow at 1e300
// edge: acosh'(1) = +inf; nan below 1
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Acosh {
  static constexpr std::string_view name = "acosh";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{1.01, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::acosh;
    return acosh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::sqrt;
    return R(1) / (sqrt(x - R(1)) * sqrt(x + R(1)));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// acosh(x) for an active scalar (found by ADL: `using std::acosh; acosh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto acosh(const X& x) {
  return apply<ops::Acosh>(x);
}

}  // namespace kinase
