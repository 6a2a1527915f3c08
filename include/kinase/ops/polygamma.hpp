#pragma once
// polygamma(n, x) = ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function ψ = Γ'/Γ; digamma(x) = polygamma(0, x).
// It is the derivative of lgamma (ψ) and of tgamma (Γ·ψ), and its own derivative is the next order:
//   d/dx ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁺¹⁾(x)
// so that every order of nesting works. Edge: at the poles x = 0, −1, −2, ... the value and slope are nan.
//
// Evaluation (for float, double and long double): shift x upward with ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ n!/xⁿ⁺¹ until
// x ≥ 10 + n, then the asymptotic series in Bernoulli numbers (ten terms; the first omitted term is below 1e-19
// relative there for n ≤ 1 and below 1e-17 for n ≤ 10). For x < 0 the reflection
//   ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − π Dⁿ[cot(πx)]
// avoids a shift of |x| steps; Dⁿ cot(πx) is a polynomial in c = cot(πx): Q₀ = c, Qₖ₊₁ = −π (1 + c²) Qₖ'(c).
#include <cmath>
#include <concepts>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

#include "kinase/ops/op.hpp"

namespace kinase::detail {

/// Dⁿ cot(πx), the n-th derivative in x, as the polynomial Qₙ(c) in c = cot(πx) (see above).
template <std::floating_point T>
T cot_pi_derivative(int n, T x) {
  using std::floor;
  using std::tan;
  const T pi = std::numbers::pi_v<T>;
  const T c = T(1) / tan(pi * (x - floor(x)));  // cot has period 1: reduce first, so large |x| keeps its accuracy
  std::vector<T> q{T(0), T(1)};                 // coefficients of Q₀(c) = c, lowest degree first
  for (int k = 0; k < n; ++k) {
    std::vector<T> next(q.size() + 1, T(0));  // −π (1 + c²) Q'(c): degree grows by one
    for (std::size_t j = 1; j < q.size(); ++j) {
      const T d = T(j) * q[j];  // coefficient of c^(j−1) in Q'
      next[j - 1] -= pi * d;
      next[j + 1] -= pi * d;
    }
    q = std::move(next);
  }
  T value = 0;
  for (std::size_t j = q.size(); j-- > 0;) value = value * c + q[j];
  return value;
}

template <std::floating_point T>
T polygamma_value(int n, T x) {
  using std::floor;
  using std::log;
  if (n < 0 || std::isnan(x)) return std::numeric_limits<T>::quiet_NaN();
  if (x <= 0 && x == floor(x)) return std::numeric_limits<T>::quiet_NaN();  // pole
  if (std::isinf(x)) return n == 0 ? x : T(0);
  if (x < 0) {
    const T sign_n = (n % 2 == 0) ? T(1) : T(-1);
    return sign_n * polygamma_value(n, T(1) - x) - std::numbers::pi_v<T> * cot_pi_derivative(n, x);
  }

  T n_factorial = 1;  // n!
  for (int k = 2; k <= n; ++k) n_factorial *= T(k);
  const T sign_n = (n % 2 == 0) ? T(1) : T(-1);  // (−1)ⁿ
  T shifted = 0;
  const T x_min = T(10 + n);
  while (x < x_min) {
    shifted -= sign_n * n_factorial / std::pow(x, T(n + 1));
    x += T(1);
  }
  // B₂ₖ for k = 1..10
  constexpr long double bernoulli[] = {1.0L / 6,       -1.0L / 30, 1.0L / 42,      -1.0L / 30,     5.0L / 66,
                                       -691.0L / 2730, 7.0L / 6,   -3617.0L / 510, 43867.0L / 798, -174611.0L / 330};
  const T inv = T(1) / x;
  const T inv2 = inv * inv;
  T series = 0;
  if (n == 0) {
    // ψ(x) ~ log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ)
    T p = inv2;
    for (int k = 1; k <= 10; ++k, p *= inv2) series += T(bernoulli[k - 1]) / T(2 * k) * p;
    return shifted + log(x) - inv / 2 - series;
  }
  // ψ⁽ⁿ⁾(x) ~ (−1)ⁿ⁺¹ [ (n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σ B₂ₖ (2k+n−1)!/((2k)! x²ᵏ⁺ⁿ) ]
  const T inv_n = std::pow(inv, T(n));
  T lead = n_factorial / T(n) * inv_n + n_factorial / 2 * inv_n * inv;
  T ratio = n_factorial;  // (2k+n−1)!/(2k)!, updated per k
  T p = inv_n * inv2;
  for (int k = 1; k <= 10; ++k, p *= inv2) {
    // (2k+n−1)!/(2k)! from its value at k−1: multiply by (2k+n−2)(2k+n−1)/((2k−1)(2k))
    if (k == 1)
      ratio = n_factorial * T(n + 1) / T(2);  // (n+1)!/2!
    else
      ratio *= T(2 * k + n - 2) * T(2 * k + n - 1) / (T(2 * k - 1) * T(2 * k));
    series += T(bernoulli[k - 1]) * ratio * p;
  }
  return shifted - sign_n * (lead + series);
}

}  // namespace kinase::detail

namespace kinase {

/// ψ⁽ⁿ⁾(x) for a plain number (an integer x is taken as double).
template <class T>
requires std::is_arithmetic_v<T>
auto polygamma(int n, T x) {
  using F = std::conditional_t<std::is_floating_point_v<T>, T, double>;
  return detail::polygamma_value(n, static_cast<F>(x));
}

template <ActiveScalar X>
constexpr auto polygamma(int n, const X& x);

}  // namespace kinase

namespace kinase::ops {

struct Polygamma {
  static constexpr std::string_view name = "polygamma";
  static constexpr int arity = 1;
  static constexpr Domain domain[] = {{0.2, 12.0}};

  static constexpr auto primal(const auto& x, int n) { return kinase::polygamma(n, x); }

  template <int I>
  static constexpr auto partial(const auto& x, int n, const auto& r) {
    using R = result_t<decltype(r)>;
    return R(kinase::polygamma(n + 1, x));
  }
};

}  // namespace kinase::ops

namespace kinase {

/// ψ⁽ⁿ⁾(x) for an active scalar.
template <ActiveScalar X>
constexpr auto polygamma(int n, const X& x) {
  return apply<ops::Polygamma>(x, n);
}

/// ψ(x) = Γ'(x)/Γ(x), the digamma function, for plain and active scalars.
template <class X>
requires OpArgument<X>
constexpr auto digamma(const X& x) { return polygamma(0, x); }

}  // namespace kinase
