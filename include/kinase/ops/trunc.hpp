#pragma once
// trunc is piecewise constant: derivative 0 everywhere, jumps included
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Trunc {
  static constexpr std::string_view name = "trunc";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::trunc;
    return trunc(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return Zero{};
  }
};

}  // namespace kinase::ops

namespace kinase {

/// trunc(x) for an active scalar (found by ADL: `using std::trunc; trunc(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto trunc(const X& x) {
  return apply<ops::Trunc>(x);
}

}  // namespace kinase
