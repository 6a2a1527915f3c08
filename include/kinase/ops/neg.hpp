#pragma once
// negation: −x
// d/dx (−x) = −1
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Neg {
  static constexpr std::string_view name = "neg";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}};

  static constexpr auto primal(const auto& x) { return -x; }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    return MinusOne{};
  }
};

}  // namespace kinase::ops

namespace kinase {

/// −x for an active scalar.
template <ActiveScalar X>
constexpr auto operator-(const X& x) {
  return apply<ops::Neg>(x);
}
/// +x for an active scalar: a copy.
template <ActiveScalar X>
constexpr auto operator+(const X& x) {
  return x;
}

}  // namespace kinase
