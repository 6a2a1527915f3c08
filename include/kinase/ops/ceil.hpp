#pragma once
// ceil is piecewise constant: derivative 0 everywhere, jumps included
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Ceil {
  static constexpr std::string_view name = "ceil";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::ceil;
    return ceil(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return Zero{};
  }
};

}  // namespace kinase::ops

namespace kinase {

/// ceil(x) for an active scalar (found by ADL: `using std::ceil; ceil(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto ceil(const X& x) {
  return apply<ops::Ceil>(x);
}

}  // namespace kinase
