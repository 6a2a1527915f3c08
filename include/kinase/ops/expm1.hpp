#pragma once
// d/dx (eˣ − 1) = eˣ = expm1(x) + 1 (exact to rounding: the derivative is near 1 where expm1 is tiny)
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Expm1 {
  static constexpr std::string_view name = "expm1";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-5.0, 5.0}};

  static constexpr auto primal(const auto& x) {
    using std::expm1;
    return expm1(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    return r + R(1);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// expm1(x) for an active scalar (found by ADL: `using std::expm1; expm1(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto expm1(const X& x) {
  return apply<ops::Expm1>(x);
}

}  // namespace kinase
