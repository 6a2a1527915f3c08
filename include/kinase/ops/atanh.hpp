#pragma once
// d/dx atanh(x) = 1/(1 − x²), with 1 − x² formed as (1 − x)(1 + x) so it stays accurate near ±1
// edge: atanh'(±1) = +inf
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Atanh {
  static constexpr std::string_view name = "atanh";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{-0.99, 0.99}};

  static constexpr auto primal(const auto& x) {
    using std::atanh;
    return atanh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return R(1) / ((R(1) - x) * (R(1) + x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// atanh(x) for an active scalar (found by ADL: `using std::atanh; atanh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto atanh(const X& x) {
  return apply<ops::Atanh>(x);
}

}  // namespace kinase
