#pragma once
// d/dx tanh(x) = 1 − tanh²(x) = 1/cosh²(x)
// accuracy: 1 − r² cancels once |r| nears 1 (tanh'(20) is 1.7e-17, not 0), so there the rule uses 1/cosh²(x);
// for |r| < 0.9 the cancellation costs at most a few ulps and the cheaper form is used
#include <cmath>

#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr int arity = 1;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-5.0, 5.0}};

  static constexpr auto primal(const auto& x) {
    using std::tanh;
    return tanh(x);
  }

  template <int I>
  static constexpr auto partial([[maybe_unused]] const auto& x, [[maybe_unused]] const auto& r) {
    using R = result_t<decltype(r)>;
    using std::cosh;
    if (r < 0.9 && r > -0.9) return R(1) - r * r;
    const auto c = cosh(x);
    return R(1) / (c * c);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// tanh(x) for an active scalar (found by ADL: `using std::tanh; tanh(x)` works on every scalar type).
template <ActiveScalar X>
constexpr auto tanh(const X& x) {
  return apply<ops::Tanh>(x);
}

}  // namespace kinase
