// Dual<T, N> as a number type: arithmetic with constants, lanes, nesting to third order, numeric_limits,
// constexpr evaluation, and user code written with `using std::...`.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <limits>
#include <sstream>

namespace {

using kinase::Dual;

// constexpr where the math allows: arithmetic and comparisons.
constexpr Dual<double, 1> cube_plus(Dual<double, 1> x) { return x * x * x + 2.0 * x - 1; }
static_assert(cube_plus(Dual<double, 1>(2.0, {1.0})).primal == 11.0);
static_assert(cube_plus(Dual<double, 1>(2.0, {1.0})).tangent[0] == 14.0);  // 3x² + 2
static_assert((Dual<double, 2>(3.0, {1.0, 0.0}) / Dual<double, 2>(2.0, {0.0, 1.0})).tangent[1] == -0.75);
static_assert(Dual<double, 1>(1.0) < 2);
static_assert(-Dual<double, 1>(1.0, {2.0}) == -1.0);

TEST(Dual, MixedArithmeticWithConstants) {
  const Dual<double, 1> x(3.0, {1.0});
  const auto y = 2 * x + x * 2.0 - 1.5f / x + x / 4 - 7 + (1 - x);
  EXPECT_DOUBLE_EQ(y.primal, 2 * 3.0 + 3.0 * 2 - 1.5 / 3 + 3.0 / 4 - 7 + (1 - 3.0));
  EXPECT_DOUBLE_EQ(y.tangent[0], 2 + 2 + 1.5 / 9 + 0.25 - 1);
}

TEST(Dual, CompoundAssignment) {
  Dual<double, 1> x(2.0, {1.0});
  x += 1;
  x *= x;
  x -= 0.5;
  x /= 2;
  EXPECT_DOUBLE_EQ(x.primal, (9 - 0.5) / 2);
  EXPECT_DOUBLE_EQ(x.tangent[0], 6.0 / 2);  // d/dx ((x+1)² − 0.5)/2 = (x+1)
}

// += and -= of a Dual of the same type update the lanes in place (dual.hpp): they must give exactly x ± y, also
// when the right-hand side is the left-hand side itself, and on nested Duals.
TEST(Dual, CompoundAssignmentOfDualsMatchesTheOperators) {
  using D = Dual<double, 3>;
  const D x(2.0, {1.0, -2.0, 0.5});
  const D y(-0.75, {0.25, 4.0, -1.0});
  const auto expect_same = [](const D& got, const D& want) {
    EXPECT_EQ(got.primal, want.primal);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(got.tangent[i], want.tangent[i]) << "lane " << i;
  };
  D a = x;
  a += y;
  expect_same(a, x + y);
  D b = x;
  b -= y;
  expect_same(b, x - y);
  D c = x;
  const D& c_itself = c;  // the right-hand side is the left-hand side (named twice, so that Clang sees no self-assign)
  c += c_itself;
  expect_same(c, x + x);
  D d = x;
  const D& d_itself = d;
  d -= d_itself;
  expect_same(d, x - x);
  EXPECT_EQ(d.primal, 0.0);

  using Inner = Dual<double, 1>;
  using Nested = Dual<Inner, 1>;
  Nested u(Inner(1.5, {1.0}), {Inner(2.0, {0.5})});
  const Nested v(Inner(-0.5, {3.0}), {Inner(0.25, {-1.0})});
  const Nested sum = u + v;
  u += v;
  EXPECT_EQ(u.primal.primal, sum.primal.primal);
  EXPECT_EQ(u.primal.tangent[0], sum.primal.tangent[0]);
  EXPECT_EQ(u.tangent[0].primal, sum.tangent[0].primal);
  EXPECT_EQ(u.tangent[0].tangent[0], sum.tangent[0].tangent[0]);
}

TEST(Dual, LanesAreIndependent) {
  using D = Dual<double, 4>;
  const D x(2.0, {1.0, 0.0, 0.0, 3.0}), y(5.0, {0.0, 1.0, 0.0, -1.0});
  using std::sin;
  const D r = sin(x * y);
  const double c = std::cos(10.0);
  EXPECT_DOUBLE_EQ(r.tangent[0], c * 5.0);
  EXPECT_DOUBLE_EQ(r.tangent[1], c * 2.0);
  EXPECT_DOUBLE_EQ(r.tangent[2], 0.0);
  EXPECT_DOUBLE_EQ(r.tangent[3], c * (3 * 5.0 - 2.0));
}

TEST(Dual, NestedSecondDerivative) {
  using D = Dual<double, 1>;
  using DD = Dual<D, 1>;
  const DD x(D(2.0, {1.0}), {D(1.0)});
  const DD y = x * x * x;
  EXPECT_DOUBLE_EQ(y.primal.primal, 8.0);
  EXPECT_DOUBLE_EQ(y.primal.tangent[0], 12.0);      // 3x²
  EXPECT_DOUBLE_EQ(y.tangent[0].primal, 12.0);      // 3x²
  EXPECT_DOUBLE_EQ(y.tangent[0].tangent[0], 12.0);  // 6x
}

TEST(Dual, NestedThirdDerivatives) {
  using D1 = Dual<double, 1>;
  using D2 = Dual<D1, 1>;
  using D3 = Dual<D2, 1>;
  const double x0 = 0.7;
  const D3 x(D2(D1(x0, {1.0}), {D1(1.0)}), {D2(D1(1.0))});
  using std::exp, std::pow, std::sin;
  EXPECT_NEAR(sin(x).tangent[0].tangent[0].tangent[0], -std::cos(x0), 1e-15);
  EXPECT_NEAR(exp(x).tangent[0].tangent[0].tangent[0], std::exp(x0), 1e-15);
  EXPECT_NEAR(pow(x, 3.5).tangent[0].tangent[0].tangent[0], 3.5 * 2.5 * 1.5 * std::pow(x0, 0.5), 1e-14);
  EXPECT_NEAR(pow(x, 4).tangent[0].tangent[0].tangent[0], 24 * x0, 1e-14);
}

TEST(Dual, MixedNestingLevelsInOneExpression) {
  // An inner-level Dual is a constant for the outer level: d/dx (x · c) with c carrying its own inner tangent.
  using D = Dual<double, 1>;
  using DD = Dual<D, 1>;
  const D c(3.0, {1.0});
  const DD x(D(2.0), {D(1.0)});
  const DD r = x * c;
  EXPECT_DOUBLE_EQ(r.tangent[0].primal, 3.0);      // ∂/∂x
  EXPECT_DOUBLE_EQ(r.primal.tangent[0], 2.0);      // ∂/∂c
  EXPECT_DOUBLE_EQ(r.tangent[0].tangent[0], 1.0);  // ∂²/∂x∂c
}

TEST(Dual, NumericLimits) {
  using L = std::numeric_limits<Dual<double, 3>>;
  static_assert(L::is_specialized);
  static_assert(L::digits == std::numeric_limits<double>::digits);
  EXPECT_EQ(L::epsilon().primal, std::numeric_limits<double>::epsilon());
  EXPECT_EQ(L::max().primal, std::numeric_limits<double>::max());
  EXPECT_EQ(L::infinity().primal, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(L::quiet_NaN().primal));
  EXPECT_EQ(L::epsilon().tangent[2], 0.0);
}

TEST(Dual, FloatAndLongDoubleScalars) {
  using std::exp;
  const Dual<float, 1> xf(1.0f, {1.0f});
  EXPECT_FLOAT_EQ(exp(xf).tangent[0], std::exp(1.0f));
  const Dual<long double, 1> xl(1.0L, {1.0L});
  EXPECT_EQ(exp(xl).tangent[0], std::exp(1.0L));
}

TEST(Dual, ClassificationAndPrinting) {
  using D = Dual<double, 2>;
  EXPECT_TRUE(isinf(D(std::numeric_limits<double>::infinity())));
  EXPECT_TRUE(isfinite(D(1.0, {2.0, 3.0})));
  EXPECT_TRUE(signbit(D(-1.0)));
  std::ostringstream os;
  os << D(1.5, {2.0, -1.0});
  EXPECT_EQ(os.str(), "1.5[2, -1]");
}

/// User code written once for every scalar type, with std math found by ADL.
template <class T>
T user_function(const T& x) {
  using std::exp, std::log, std::sqrt;
  T acc = 0;
  for (int i = 1; i <= 3; ++i) acc += log(x + i) * sqrt(x) / exp(x / i);
  return acc > 0 ? acc : -acc;  // a branch on the primal value
}

TEST(Dual, GenericUserCode) {
  const double x = 1.7, h = 1e-6;
  const auto r = user_function(Dual<double, 1>(x, {1.0}));
  EXPECT_DOUBLE_EQ(r.primal, user_function(x));
  EXPECT_NEAR(r.tangent[0], (user_function(x + h) - user_function(x - h)) / (2 * h), 1e-8);
}

}  // namespace
