#pragma once
// d/dx exp(x) = exp(x), the result itself
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Exp {
  static constexpr std::string_view name = "exp";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) {
    using std::exp;
    return exp(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return r;
  }
};

}  // namespace kinase::ops

namespace kinase {

/// exp(x) for an active scalar (found by ADL: `using std::exp; exp(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto exp(const X& x) {
  return apply<ops::Exp>(x);
}

}  // namespace kinase
