// The op × engine matrix for the forward engine (design §6.1), written once over the list in ops/all.hpp:
// for every op, at points from its domain, with Dual<double, 1>, Dual<double, 4> and Dual<Dual<double, 1>, 1>:
//   - the primal equals the op on double;
//   - each tangent lane equals the directional derivative, checked against long-double finite differences;
//   - the nested Dual's second-order part equals the finite difference of the first derivative.
#include <gtest/gtest.h>

#include <array>
#include <kinase/kinase.hpp>
#include <string>

#include "op_testing.hpp"

namespace {

using kinase::Dual;
using kinase::testing::close;
using kinase::testing::reference_derivative;
using kinase::testing::sample;

// --- unary and binary ops -----------------------------------------------------------------------------------

/// The op applied through the public dispatch (what `sin(x)` calls) to arguments of any scalar type.
template <class Op, class... A>
auto eval(const A&... a) {
  if constexpr ((kinase::ActiveScalar<A> || ...))
    return kinase::apply<Op>(a...);
  else
    return Op::primal(a...);
}

template <class Op>
std::string where(const std::array<double, 2>& p) {
  std::string s = std::string(Op::name) + " at (" + std::to_string(p[0]);
  if constexpr (Op::arity == 2) s += ", " + std::to_string(p[1]);
  return s + ")";
}

/// ∂f/∂arg_i at p, by finite differences of the op's primal in long double.
template <class Op>
long double fd_partial(const std::array<double, 2>& p, int i) {
  if constexpr (Op::arity == 1) {
    return reference_derivative([](long double x) { return Op::primal(x); }, p[0]);
  } else {
    if (i == 0) return reference_derivative([&](long double x) { return Op::primal(x, (long double)p[1]); }, p[0]);
    return reference_derivative([&](long double y) { return Op::primal((long double)p[0], y); }, p[1]);
  }
}

/// ∂f/∂arg_i at p by the rule itself in long double (the first-order value the nested check differentiates).
template <class Op>
long double rule_partial(const std::array<long double, 2>& p, int i) {
  using D = Dual<long double, 1>;
  if constexpr (Op::arity == 1) {
    return eval<Op>(D(p[0], {1.0L})).tangent[0];
  } else {
    const D x(p[0], {i == 0 ? 1.0L : 0.0L}), y(p[1], {i == 1 ? 1.0L : 0.0L});
    return eval<Op>(x, y).tangent[0];
  }
}

template <class Op>
void check_first_order(const std::array<double, 2>& p) {
  constexpr int n = Op::arity;
  std::array<long double, 2> grad{};
  for (int i = 0; i < n; ++i) grad[i] = fd_partial<Op>(p, i);

  // One lane per argument, and all arguments at once with the plain primal.
  for (int i = 0; i < n; ++i) {
    using D = Dual<double, 1>;
    double value = 0, tangent = 0;
    if constexpr (n == 1) {
      const D r = eval<Op>(D(p[0], {1.0}));
      value = r.primal, tangent = r.tangent[0];
      EXPECT_EQ(value, Op::primal(p[0])) << where<Op>(p);
    } else {
      const D r = eval<Op>(D(p[0], {i == 0 ? 1.0 : 0.0}), D(p[1], {i == 1 ? 1.0 : 0.0}));
      value = r.primal, tangent = r.tangent[0];
      EXPECT_EQ(value, Op::primal(p[0], p[1])) << where<Op>(p);
      // The same partial with the other argument a plain constant (the mixed-argument path).
      const D mixed = i == 0 ? eval<Op>(D(p[0], {1.0}), p[1]) : eval<Op>(p[0], D(p[1], {1.0}));
      EXPECT_TRUE(close(mixed.tangent[0], grad[i], 1e-9L, 1e-11L, where<Op>(p) + " mixed, arg " + std::to_string(i)));
      EXPECT_EQ(mixed.primal, value) << where<Op>(p);
    }
    EXPECT_TRUE(close(tangent, grad[i], 1e-9L, 1e-11L, where<Op>(p) + " arg " + std::to_string(i)));
  }

  // Four lanes: directions (1, 0), (0, 1), (1, 1), (0.5, −2); lane k must be the directional derivative.
  using D4 = Dual<double, 4>;
  constexpr std::array<std::array<double, 2>, 4> dirs{{{1, 0}, {0, 1}, {1, 1}, {0.5, -2}}};
  D4 x(p[0]), y(p[1]);
  for (int k = 0; k < 4; ++k) x.tangent[k] = dirs[k][0], y.tangent[k] = dirs[k][1];
  D4 r;
  if constexpr (n == 1)
    r = eval<Op>(x);
  else
    r = eval<Op>(x, y);
  for (int k = 0; k < 4; ++k) {
    long double expected = dirs[k][0] * grad[0];
    if constexpr (n == 2) expected += dirs[k][1] * grad[1];
    if constexpr (n == 1)
      if (dirs[k][0] == 0) expected = 0;
    EXPECT_TRUE(close(r.tangent[k], expected, 1e-9L, 1e-11L, where<Op>(p) + " lane " + std::to_string(k)));
  }
}

template <class Op>
void check_second_order(const std::array<double, 2>& p) {
  constexpr int n = Op::arity;
  using D = Dual<double, 1>;
  using DD = Dual<D, 1>;
  for (int i = 0; i < n; ++i) {    // inner direction
    for (int j = 0; j < n; ++j) {  // outer direction
      auto arg = [&](int a) { return DD(D(p[a], {a == i ? 1.0 : 0.0}), {D(a == j ? 1.0 : 0.0)}); };
      DD r;
      if constexpr (n == 1)
        r = eval<Op>(arg(0));
      else
        r = eval<Op>(arg(0), arg(1));
      // ∂²f/∂arg_j ∂arg_i: the finite difference, along arg j, of the rule's own ∂f/∂arg_i (checked above).
      const long double expected = reference_derivative(
          [&](long double t) {
            std::array<long double, 2> q{p[0], p[1]};
            q[j] = t;
            return rule_partial<Op>(q, i);
          },
          p[j]);
      const std::string what = where<Op>(p) + " d2/(" + std::to_string(j) + "," + std::to_string(i) + ")";
      double plain = 0;
      if constexpr (n == 1)
        plain = Op::primal(p[0]);
      else
        plain = Op::primal(p[0], p[1]);
      EXPECT_EQ(r.primal.primal, plain) << what;
      EXPECT_TRUE(close(r.tangent[0].tangent[0], expected, 1e-7L, 1e-9L, what));
      EXPECT_TRUE(close(r.primal.tangent[0], rule_partial<Op>({p[0], p[1]}, i), 1e-12L, 1e-14L, what + " first"));
    }
  }
}

template <class Op>
void check_op() {
  constexpr int count = Op::arity == 1 ? 11 : 5;
  for (int a = 0; a < count; ++a) {
    for (int b = 0; b < (Op::arity == 2 ? count : 1); ++b) {
      std::array<double, 2> p{sample(Op::domain[0].lo, Op::domain[0].hi, a, count), 0.0};
      if constexpr (Op::arity == 2) p[1] = sample(Op::domain[1].lo, Op::domain[1].hi, b, count, 2.1);
      check_first_order<Op>(p);
      check_second_order<Op>(p);
    }
  }
}

template <class... Op>
void check_all(kinase::ops::OpList<Op...>) {
  (
      [] {
        SCOPED_TRACE(std::string(Op::name));
        check_op<Op>();
      }(),
      ...);
}

TEST(OpMatrixForward, EveryDifferentiableOp) { check_all(kinase::ops::differentiable_ops{}); }

// --- ops with an integer parameter ---------------------------------------------------------------------------

TEST(OpMatrixForward, PowIntEveryExponent) {
  using D = Dual<double, 1>;
  using DD = Dual<D, 1>;
  for (int n = -3; n <= 5; ++n) {
    for (int k = 0; k < 9; ++k) {
      const double x = sample(0.2, 3.0, k, 9) * (k % 2 ? -1 : 1);
      const D r = pow(D(x, {1.0}), n);
      EXPECT_DOUBLE_EQ(r.primal, std::pow(x, n));
      const long double fd = reference_derivative([n](long double t) { return std::pow(t, n); }, x);
      EXPECT_TRUE(close(r.tangent[0], fd, 1e-9L, 1e-11L, "pow_int n=" + std::to_string(n)));
      const DD r2 = pow(DD(D(x, {1.0}), {D(1.0)}), n);
      const long double second = (long double)n * (n - 1) * std::pow((long double)x, n - 2);
      EXPECT_TRUE(close(r2.tangent[0].tangent[0], second, 1e-9L, 1e-11L, "pow_int'' n=" + std::to_string(n)));
    }
  }
}

TEST(OpMatrixForward, PolygammaOrdersAndNesting) {
  using D = Dual<double, 1>;
  using DD = Dual<D, 1>;
  for (int n = 0; n <= 3; ++n) {
    for (int k = 0; k < 9; ++k) {
      const double x = sample(-3.5, 12.0, k, 9);
      const D r = kinase::polygamma(n, D(x, {1.0}));
      const long double fd =
          reference_derivative([n](long double t) { return kinase::polygamma(n, t); }, static_cast<long double>(x));
      EXPECT_TRUE(
          close(r.tangent[0], fd, 1e-8L, 1e-10L, "polygamma n=" + std::to_string(n) + " x=" + std::to_string(x)));
      const DD r2 = kinase::polygamma(n, DD(D(x, {1.0}), {D(1.0)}));
      EXPECT_TRUE(close(r2.tangent[0].tangent[0], kinase::polygamma(n + 2, x), 1e-12L, 1e-14L, "polygamma''"));
    }
  }
}

// --- piecewise-constant ops: derivative 0 -------------------------------------------------------------------

template <class... Op>
void check_piecewise_constant(kinase::ops::OpList<Op...>) {
  using D = Dual<double, 4>;
  for (double x : {-2.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 2.7}) {
    (
        [&] {
          const D r = kinase::apply<Op>(D(x, {1.0, 2.0, -1.0, 0.5}));
          EXPECT_EQ(r.primal, Op::primal(x)) << Op::name << " at " << x;
          for (double t : r.tangent) EXPECT_EQ(t, 0.0) << Op::name << " at " << x;
        }(),
        ...);
  }
}

TEST(OpMatrixForward, PiecewiseConstantOpsHaveZeroDerivative) {
  check_piecewise_constant(kinase::ops::piecewise_constant_ops{});
}

// --- the public names reach the rules (ADL from user code) --------------------------------------------------

template <class T>
T every_function(const T& x, const T& y) {
  using std::abs, std::acos, std::acosh, std::asin, std::asinh, std::atan, std::atan2, std::atanh, std::cbrt, std::ceil,
      std::cos, std::cosh, std::erf, std::erfc, std::exp, std::exp2, std::expm1, std::fabs, std::floor, std::fmax,
      std::fmin, std::hypot, std::lgamma, std::log, std::log10, std::log1p, std::log2, std::max, std::min, std::pow,
      std::round, std::sin, std::sinh, std::sqrt, std::tan, std::tanh, std::tgamma, std::trunc;
  const T u = x * T(0.1) + T(0.3);  // in (0, 1) for the points used
  return abs(x) + acos(u) + acosh(x + T(1.5)) + asin(u) + asinh(x) + atan(x) + atan2(y, x) + atanh(u) + cbrt(x) +
         ceil(x) + cos(x) + cosh(x) + erf(x) + erfc(x) + exp(x) + exp2(x) + expm1(x) + fabs(y) + floor(x) + fmax(x, y) +
         fmin(x, y) + hypot(x, y) + lgamma(x) + log(x) + log10(x) + log1p(x) + log2(x) + max(x, y) + min(x, y) +
         pow(x, y) + pow(x, 3) + round(x) + sin(x) + sinh(x) + sqrt(x) + tan(u) + tanh(x) + tgamma(x) + trunc(x) -
         x / y;
}

TEST(OpMatrixForward, PublicNamesFoundByAdl) {
  using D = Dual<double, 2>;
  const double x = 1.3, y = 0.7;
  const D r = every_function(D(x, {1.0, 0.0}), D(y, {0.0, 1.0}));
  EXPECT_DOUBLE_EQ(r.primal, every_function(x, y));
  const long double dx = reference_derivative([&](long double t) { return every_function(t, (long double)y); }, x);
  const long double dy = reference_derivative([&](long double t) { return every_function((long double)x, t); }, y);
  EXPECT_TRUE(close(r.tangent[0], dx, 1e-9L, 1e-11L, "d/dx"));
  EXPECT_TRUE(close(r.tangent[1], dy, 1e-9L, 1e-11L, "d/dy"));
}

// --- ops that declare finite partials really have them ---------------------------------------------------------

template <class... Op>
void check_finite_partials(kinase::ops::OpList<Op...>) {
  const double points[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e-300, 1e300, -1e300, 700.0, -700.0, 1e10};
  (
      [&] {
        if constexpr (kinase::ops::finite_partials<Op>) {
          for (double x : points) {
            for (double y : points) {
              double r = 0;
              if constexpr (Op::arity == 1)
                r = Op::primal(x);
              else
                r = Op::primal(x, y);
              if (!std::isfinite(r)) continue;
              for (int i = 0; i < Op::arity; ++i) {
                double p = 0;
                if constexpr (Op::arity == 1)
                  p = kinase::ops::partial_value<double>(Op::template partial<0>(x, r));
                else
                  p = i == 0 ? kinase::ops::partial_value<double>(Op::template partial<0>(x, y, r))
                             : kinase::ops::partial_value<double>(Op::template partial<1>(x, y, r));
                EXPECT_TRUE(std::isfinite(p))
                    << Op::name << " declares finite partials but ∂" << i << " at (" << x << ", " << y << ") is " << p;
              }
            }
          }
        }
      }(),
      ...);
}

TEST(OpMatrixForward, FinitePartialsDeclarationsHold) {
  check_finite_partials(kinase::ops::differentiable_ops{});
  check_finite_partials(kinase::ops::piecewise_constant_ops{});
}

}  // namespace
