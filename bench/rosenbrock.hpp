#pragma once
// The extended Rosenbrock function of B1 and B4, and the point both evaluate it at.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <kinase/api/control.hpp>
#include <type_traits>
#include <vector>

namespace kinase::bench {

/// f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)², for every tool. The accumulator has the scalar type itself:
/// for Kinase's tape each summand is one statement with three arguments (s, x[i] and x[i+1]).
template <class V>
auto rosenbrock(const V& x) {
  using S = std::decay_t<decltype(x[0])>;
  S s(0.0);
  const std::size_t n = x.size();
  for (std::size_t i = 0; i + 1 < n; ++i)
    s += 100.0 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1.0 - x[i]) * (1.0 - x[i]);
  return s;
}

/// The same function with its loop written as kinase::for_range, so that the compiled engine keeps it a loop (on the
/// other engines it is the same plain loop).
template <class V>
auto rosenbrock_loop(const V& x) {
  using S = std::decay_t<decltype(x[0])>;
  return kinase::for_range(0, static_cast<std::int64_t>(x.size()) - 1, S(0.0), [&](auto i, const S& s) {
    return S(s + 100.0 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]) + (1.0 - x[i]) * (1.0 - x[i]));
  });
}

/// Values around 1 with structure, so that no component of the gradient (or of H·v) is trivially zero.
inline std::vector<double> rosenbrock_point(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i)
    x[i] = 1.0 + 0.5 * std::sin(0.37 * static_cast<double>(i)) - (i % 3 == 0 ? 0.1 : 0.0);
  return x;
}

}  // namespace kinase::bench
