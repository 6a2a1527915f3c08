#pragma once
// d/dx 2^x = 2^x · ln 2
#include <cmath>
#include <numbers>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Exp2 {
  static constexpr std::string_view name = "exp2";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::exp2;
    return exp2(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return r * std::numbers::ln2_v<base_scalar_t<R>>;
  }
};

}  // namespace kinase::ops

namespace kinase {

/// exp2(x) for an active scalar (found by ADL: `using std::exp2; exp2(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto exp2(const X& x) {
  return apply<ops::Exp2>(x);
}

}  // namespace kinase
