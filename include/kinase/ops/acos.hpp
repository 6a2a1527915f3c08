#pragma once
// d/dx acos(x) = −1/√(1 − x²), with 1 − x² formed as (1 − x)(1 + x)
// edge: acos'(±1) = −inf; nan outside [−1, 1]
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Acos {
  static constexpr std::string_view name = "acos";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{-0.99, 0.99}};

  static constexpr auto primal(const auto& x) {
    using std::acos;
    return acos(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::sqrt;
    return R(-1) / sqrt((R(1) - x) * (R(1) + x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// acos(x) for an active scalar (found by ADL: `using std::acos; acos(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto acos(const X& x) {
  return apply<ops::Acos>(x);
}

}  // namespace kinase
