// Every edge case decided in the op rules (docs/ops.md), checked value for value in the forward engine.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <limits>
#include <numbers>

#include "op_testing.hpp"

namespace {

using kinase::Dual;
using D = Dual<double, 1>;
using D2 = Dual<double, 2>;
constexpr double inf = std::numeric_limits<double>::infinity();

D seed(double x) { return D(x, {1.0}); }
/// Two arguments with lanes (1, 0) and (0, 1): the result's lanes are the two partials.
std::pair<D2, D2> seed2(double x, double y) { return {D2(x, {1.0, 0.0}), D2(y, {0.0, 1.0})}; }

TEST(EdgeCases, SqrtAtZeroIsPlusInfinity) {
  using std::sqrt;
  const D r = sqrt(seed(0.0));
  EXPECT_EQ(r.primal, 0.0);
  EXPECT_EQ(r.tangent[0], inf);
}

TEST(EdgeCases, AbsAtZeroIsZero) {
  using std::abs;
  EXPECT_EQ(abs(seed(0.0)).tangent[0], 0.0);
  EXPECT_EQ(abs(seed(-0.0)).tangent[0], 0.0);
  EXPECT_EQ(abs(seed(-2.0)).tangent[0], -1.0);
  EXPECT_EQ(abs(seed(2.0)).tangent[0], 1.0);
  EXPECT_EQ(fabs(seed(-2.0)).tangent[0], -1.0);
}

TEST(EdgeCases, PowAtZeroBase) {
  using std::pow;
  struct Case {
    double y, value, dx, dy;
  };
  // pow(0, y): value, ∂/∂x, ∂/∂y for y = 0, 1, 2, 0.5
  for (const Case c :
       {Case{0.0, 1.0, 0.0, 0.0}, Case{1.0, 0.0, 1.0, 0.0}, Case{2.0, 0.0, 0.0, 0.0}, Case{0.5, 0.0, inf, 0.0}}) {
    const auto [x, y] = seed2(0.0, c.y);
    const D2 r = pow(x, y);
    EXPECT_EQ(r.primal, c.value) << "y = " << c.y;
    EXPECT_EQ(r.tangent[0], c.dx) << "y = " << c.y;
    EXPECT_EQ(r.tangent[1], c.dy) << "y = " << c.y;
    // The same partials with a constant exponent and with a constant base.
    EXPECT_EQ(pow(seed(0.0), c.y).tangent[0], c.dx) << "y = " << c.y;
    EXPECT_EQ(pow(0.0, seed(c.y)).tangent[0], c.dy) << "y = " << c.y;
  }
}

TEST(EdgeCases, PowAtZeroExponentKeepsSecondOrder) {
  // At y = 0 (x ≠ 0) ∂/∂x = y·x^(y−1) is 0, but its derivative along y is 1/x: nested Duals must see it, in both
  // seeding orders, so that Hessians stay symmetric.
  using DD = Dual<D, 1>;
  using std::pow;
  const double x0 = 2.0;
  const DD xy = pow(DD(D(x0, {1.0}), {D(0.0)}), DD(D(0.0, {0.0}), {D(1.0)}));  // inner x, outer y
  const DD yx = pow(DD(D(x0, {0.0}), {D(1.0)}), DD(D(0.0, {1.0}), {D(0.0)}));  // inner y, outer x
  EXPECT_DOUBLE_EQ(xy.tangent[0].tangent[0], 1 / x0);
  EXPECT_DOUBLE_EQ(yx.tangent[0].tangent[0], 1 / x0);
}

TEST(EdgeCases, PowNegativeBaseIntegralExponent) {
  using std::pow;
  const auto [x, y] = seed2(-2.0, 3.0);
  const D2 r = pow(x, y);
  EXPECT_EQ(r.primal, -8.0);
  EXPECT_EQ(r.tangent[0], 12.0);          // 3 · (−2)²
  EXPECT_TRUE(std::isnan(r.tangent[1]));  // (−2)^y is not real-valued near y = 3
}

TEST(EdgeCases, PowIntegerExponentAtZero) {
  using std::pow;
  EXPECT_EQ(pow(seed(0.0), 0).tangent[0], 0.0);
  EXPECT_EQ(pow(seed(0.0), 0).primal, 1.0);
  EXPECT_EQ(pow(seed(0.0), 1).tangent[0], 1.0);
  EXPECT_EQ(pow(seed(0.0), 2).tangent[0], 0.0);
  EXPECT_EQ(pow(seed(0.0), -1).tangent[0], -inf);
  EXPECT_EQ(pow(seed(3.0), 0).tangent[0], 0.0);
}

TEST(EdgeCases, Atan2AtOriginAndAcrossTheCut) {
  using std::atan2;
  auto [y0, x0] = seed2(0.0, 0.0);
  D2 r = atan2(y0, x0);
  EXPECT_EQ(r.tangent[0], 0.0);
  EXPECT_EQ(r.tangent[1], 0.0);
  // Just above and just below the negative x axis: the primal jumps by 2π, the partials agree (∂/∂y = 1/x).
  for (double y : {1e-12, -1e-12}) {
    auto [yy, xx] = seed2(y, -2.0);
    r = atan2(yy, xx);
    EXPECT_NEAR(r.primal, y > 0 ? std::numbers::pi : -std::numbers::pi, 1e-11);
    EXPECT_DOUBLE_EQ(r.tangent[0], -0.5);
    EXPECT_NEAR(r.tangent[1], 0.0, 1e-12);
  }
  // Large and tiny arguments neither overflow nor underflow: ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²).
  auto [yb, xb] = seed2(3e200, 4e200);
  r = atan2(yb, xb);
  EXPECT_DOUBLE_EQ(r.tangent[0], 0.16e-200);
  EXPECT_DOUBLE_EQ(r.tangent[1], -0.12e-200);
  auto [ys, xs] = seed2(3e-200, 4e-200);
  r = atan2(ys, xs);
  EXPECT_DOUBLE_EQ(r.tangent[0], 0.16e200);
  EXPECT_DOUBLE_EQ(r.tangent[1], -0.12e200);
}

TEST(EdgeCases, HypotAtOriginAndExtremes) {
  using std::hypot;
  auto [x, y] = seed2(0.0, 0.0);
  D2 r = hypot(x, y);
  EXPECT_EQ(r.tangent[0], 0.0);
  EXPECT_EQ(r.tangent[1], 0.0);
  for (double s : {1e200, 1e-200}) {
    auto [a, b] = seed2(3 * s, 4 * s);
    r = hypot(a, b);
    EXPECT_DOUBLE_EQ(r.primal, 5 * s);
    EXPECT_DOUBLE_EQ(r.tangent[0], 0.6);
    EXPECT_DOUBLE_EQ(r.tangent[1], 0.8);
  }
}

TEST(EdgeCases, MinMaxTiesSplitEvenly) {
  using std::max;
  using std::min;
  const D x = seed(1.5);
  EXPECT_EQ(max(x, x).tangent[0], 1.0);
  EXPECT_EQ(min(x, x).tangent[0], 1.0);
  EXPECT_EQ(fmax(x, x).tangent[0], 1.0);
  EXPECT_EQ(fmin(x, x).tangent[0], 1.0);
  auto [a, b] = seed2(2.0, 2.0);
  for (const D2& r : {max(a, b), min(a, b), fmax(a, b), fmin(a, b)}) {
    EXPECT_EQ(r.tangent[0], 0.5);
    EXPECT_EQ(r.tangent[1], 0.5);
  }
  // Away from a tie, the derivative follows the argument picked.
  auto [c, d] = seed2(1.0, 2.0);
  EXPECT_EQ(max(c, d).tangent[1], 1.0);
  EXPECT_EQ(max(c, d).tangent[0], 0.0);
  EXPECT_EQ(min(c, d).tangent[0], 1.0);
  EXPECT_EQ(max(c, 5.0).tangent[0], 0.0);
  EXPECT_EQ(max(c, 0.0).tangent[0], 1.0);
}

TEST(EdgeCases, MinMaxWithNanFollowTheArgumentReturned) {
  using std::max;
  using std::min;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // std::min/std::max return their first argument when the comparison is false, which it is with a nan.
  auto [x, y] = seed2(nan, 3.0);
  for (const D2& r : {max(x, y), min(x, y)}) {
    EXPECT_TRUE(std::isnan(r.primal));
    EXPECT_EQ(r.tangent[0], 1.0);
    EXPECT_EQ(r.tangent[1], 0.0);
  }
  for (const D2& r : {max(y, x), min(y, x)}) {
    EXPECT_EQ(r.primal, 3.0);
    EXPECT_EQ(r.tangent[0], 0.0);
    EXPECT_EQ(r.tangent[1], 1.0);
  }
}

TEST(EdgeCases, FminFmaxIgnoreNan) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto [x, y] = seed2(nan, 3.0);
  D2 r = fmax(x, y);
  EXPECT_EQ(r.primal, 3.0);
  EXPECT_EQ(r.tangent[0], 0.0);
  EXPECT_EQ(r.tangent[1], 1.0);
  r = fmin(y, x);
  EXPECT_EQ(r.primal, 3.0);
  EXPECT_EQ(r.tangent[0], 0.0);
  EXPECT_EQ(r.tangent[1], 1.0);
}

TEST(EdgeCases, LogAtZeroIsPlusInfinity) {
  using std::log;
  const D r = log(seed(0.0));
  EXPECT_EQ(r.primal, -inf);
  EXPECT_EQ(r.tangent[0], inf);
  EXPECT_EQ(log2(seed(0.0)).tangent[0], inf);
  EXPECT_EQ(log10(seed(0.0)).tangent[0], inf);
  EXPECT_EQ(log1p(seed(-1.0)).tangent[0], inf);
}

TEST(EdgeCases, OneSidedInfiniteSlopes) {
  EXPECT_EQ(acosh(seed(1.0)).tangent[0], inf);
  EXPECT_EQ(asin(seed(1.0)).tangent[0], inf);
  EXPECT_EQ(asin(seed(-1.0)).tangent[0], inf);
  EXPECT_EQ(acos(seed(1.0)).tangent[0], -inf);
  EXPECT_EQ(acos(seed(-1.0)).tangent[0], -inf);
  EXPECT_EQ(atanh(seed(1.0)).tangent[0], inf);
  EXPECT_EQ(atanh(seed(-1.0)).tangent[0], inf);
  EXPECT_EQ(cbrt(seed(0.0)).tangent[0], inf);
}

TEST(EdgeCases, GammaPolesAreNan) {
  for (double x : {0.0, -1.0, -2.0, -7.0}) {
    EXPECT_TRUE(std::isnan(tgamma(seed(x)).tangent[0])) << x;
    EXPECT_TRUE(std::isnan(lgamma(seed(x)).tangent[0])) << x;
    EXPECT_TRUE(std::isnan(kinase::digamma(x))) << x;
  }
  // Known values: ψ(1) = −γ, ψ'(1) = π²/6, Γ'(1) = −γ.
  EXPECT_NEAR(kinase::digamma(1.0), -std::numbers::egamma, 1e-15);
  EXPECT_NEAR(kinase::polygamma(1, 1.0), std::numbers::pi * std::numbers::pi / 6, 1e-15);
  EXPECT_NEAR(tgamma(seed(1.0)).tangent[0], -std::numbers::egamma, 1e-15);
  EXPECT_NEAR(lgamma(seed(0.5)).tangent[0], -std::numbers::egamma - 2 * std::numbers::ln2, 1e-15);
  // Between the poles (reflection and recurrence): ψ(−0.5) = ψ(0.5) + 2 = ψ(1.5) = 2 − γ − 2 ln 2.
  EXPECT_NEAR(kinase::digamma(-0.5), kinase::digamma(0.5) + 2.0, 1e-14);
  EXPECT_NEAR(kinase::digamma(-0.5), 2 - std::numbers::egamma - 2 * std::numbers::ln2, 1e-14);
}

TEST(EdgeCases, PolygammaReflectionAtNegativeArguments) {
  using std::numbers::pi;
  // ψ'(x) + ψ'(1 − x) = π²/sin²(πx), near zero and far out (where a shift of |x| steps would never finish).
  for (double x : {-0.3, -2.7, -1e6 + 0.3, -1e12 + 0.25}) {
    const double s = std::sin(pi * (x - std::floor(x)));
    EXPECT_NEAR((kinase::polygamma(1, x) + kinase::polygamma(1, 1 - x)) * s * s / (pi * pi), 1.0, 1e-9) << x;
  }
  // The recurrence ψ⁽ⁿ⁾(x + 1) = ψ⁽ⁿ⁾(x) + (−1)ⁿ n!/xⁿ⁺¹ across the reflected and shifted branches.
  for (int n = 0; n <= 4; ++n) {
    double n_factorial = 1;
    for (int k = 2; k <= n; ++k) n_factorial *= k;
    for (double x : {-3.4, -0.6, -0.2}) {
      const double expected = kinase::polygamma(n, x) + (n % 2 ? -1.0 : 1.0) * n_factorial / std::pow(x, n + 1);
      EXPECT_NEAR(kinase::polygamma(n, x + 1), expected, 1e-11 * std::max(1.0, std::fabs(expected)))
          << "n = " << n << ", x = " << x;
    }
  }
}

TEST(EdgeCases, PiecewiseConstantAtJumps) {
  for (double x : {-1.0, 0.0, 0.5, 1.0, 2.5}) {
    EXPECT_EQ(floor(seed(x)).tangent[0], 0.0);
    EXPECT_EQ(ceil(seed(x)).tangent[0], 0.0);
    EXPECT_EQ(round(seed(x)).tangent[0], 0.0);
    EXPECT_EQ(trunc(seed(x)).tangent[0], 0.0);
  }
}

/// Where naive formulas cancel or overflow, the rules stay accurate (reference: the same formula in long double
/// or the exact closed form).
TEST(EdgeCases, AccuracyWhereNaiveFormulasFail) {
  using kinase::testing::close;
  // tanh'(20) = 1/cosh²(20) ≈ 1.7e-17, not 0 from 1 − tanh².
  const long double c20 = std::cosh(20.0L);
  EXPECT_TRUE(close(tanh(seed(20.0)).tangent[0], 1 / (c20 * c20), 1e-14L, 0, "tanh'(20)"));
  EXPECT_TRUE(close(tanh(seed(-20.0)).tangent[0], 1 / (c20 * c20), 1e-14L, 0, "tanh'(-20)"));
  // atanh' and asin' near 1.
  const double near1 = 1 - 1e-9;
  const long double one_minus_x2 = (1 - (long double)near1) * (1 + (long double)near1);
  EXPECT_TRUE(close(atanh(seed(near1)).tangent[0], 1 / one_minus_x2, 1e-12L, 0, "atanh' near 1"));
  EXPECT_TRUE(close(asin(seed(near1)).tangent[0], 1 / std::sqrt(one_minus_x2), 1e-12L, 0, "asin' near 1"));
  // expm1 and log1p at tiny x: slopes 1 + x and 1/(1 + x), exact to rounding.
  EXPECT_DOUBLE_EQ(expm1(seed(1e-10)).tangent[0], 1 + 1e-10);
  EXPECT_DOUBLE_EQ(log1p(seed(1e-10)).tangent[0], 1 / (1 + 1e-10));
  // asinh and acosh at 1e300: slope 1e-300, not 0 from x² overflowing.
  EXPECT_TRUE(close(asinh(seed(1e300)).tangent[0], 1e-300L, 1e-14L, 0, "asinh'(1e300)"));
  EXPECT_TRUE(close(acosh(seed(1e300)).tangent[0], 1e-300L, 1e-14L, 0, "acosh'(1e300)"));
}

TEST(EdgeCases, DivisionByZeroFollowsIeee) {
  const D r = 1.0 / seed(0.0);
  EXPECT_EQ(r.primal, inf);
  EXPECT_EQ(r.tangent[0], -inf);
}

TEST(EdgeCases, ComparisonsUsePrimalValuesOnly) {
  const D a(1.0, {5.0}), b(1.0, {-3.0}), c(2.0, {0.0});
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a != b);
  EXPECT_TRUE(a < c);
  EXPECT_TRUE(c >= a);
  EXPECT_TRUE(a == 1.0);
  EXPECT_TRUE(1 < c);
  EXPECT_TRUE(c > 1.5f);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(D(nan) < c);
  EXPECT_FALSE(D(nan) == D(nan));
  EXPECT_TRUE(isnan(D(nan)));
}

}  // namespace
