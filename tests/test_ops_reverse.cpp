// The op matrix for the tape engine (design §6.1): every op recorded as one statement, swept backwards, and checked
// by the dot-product test against the forward engine (⟨ȳ, J·ṫ⟩ = ⟨Jᵀ·ȳ, ṫ⟩) and against finite differences; the
// same inside a composite statement (the chain rule over an expression tree, repeated leaves merged).
#include <gtest/gtest.h>

#include <array>
#include <kinase/kinase.hpp>
#include <string>

#include "op_testing.hpp"

namespace {

using kinase::Dual;
using kinase::Real;
using kinase::Recording;
using kinase::Tape;
using kinase::testing::close;
using kinase::testing::reference_derivative;
using kinase::testing::sample;

constexpr double ybar = 0.7;                      // the output seed
constexpr std::array<double, 2> tdot{0.3, -1.1};  // the input direction of the dot-product test

/// Op(x[, y]) through the public dispatch on any scalar type.
template <class Op, class X, class Y>
auto eval(const X& x, const Y& y) {
  if constexpr (Op::arity == 1)
    return kinase::apply<Op>(x);
  else
    return kinase::apply<Op>(x, y);
}

/// Records r = Op(x, y) (or a composite statement) and returns x̄, ȳ after seeding r̄ = ybar; checks the tape
/// holds exactly one statement.
template <class Op, bool Composite>
std::array<double, 2> reverse_partials(const std::array<double, 2>& p) {
  Tape<double> tape;
  Real<double> x = p[0], y = p[1];
  std::array<double, 2> bar{};
  {
    Recording<double> recording(tape);
    tape.register_input(x);
    tape.register_input(y);
    Real<double> r;
    if constexpr (Composite) {
      using std::sin;
      r = eval<Op>(x * sin(x) + 0.5, y * 2.0) * x;  // x appears three times: merged into one argument
    } else {
      r = eval<Op>(x, y);
    }
    EXPECT_EQ(tape.stats().statements, r.index() == 0 ? 0u : 1u) << Op::name;
    if (r.index() != 0) tape.adjoint(r) = ybar;
  }
  tape.evaluate();
  bar[0] = tape.adjoint(x);
  bar[1] = tape.adjoint(y);
  return bar;
}

/// J·ṫ by the forward engine for the same statement.
template <class Op, bool Composite>
double forward_directional(const std::array<double, 2>& p) {
  using D = Dual<double, 1>;
  const D x(p[0], {tdot[0]}), y(p[1], {tdot[1]});
  if constexpr (Composite) {
    using std::sin;
    return (eval<Op>(x * sin(x) + 0.5, y * 2.0) * x).tangent[0];
  } else {
    return eval<Op>(x, y).tangent[0];
  }
}

template <class Op>
void check_point(const std::array<double, 2>& p) {
  const std::string where = std::string(Op::name) + " at (" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ")";
  for (const bool composite : {false, true}) {
    const auto bar = composite ? reverse_partials<Op, true>(p) : reverse_partials<Op, false>(p);
    const double jt = composite ? forward_directional<Op, true>(p) : forward_directional<Op, false>(p);
    // Dot-product test: ⟨ȳ, J·ṫ⟩ = ⟨Jᵀ·ȳ, ṫ⟩.
    const double lhs = ybar * jt;
    double rhs = bar[0] * tdot[0];
    if (Op::arity == 2 || composite) rhs += bar[1] * tdot[1];
    EXPECT_TRUE(close(rhs, lhs, 1e-12L, 1e-13L, where + (composite ? " composite" : "") + " dot-product test"));
  }
  // Against finite differences of the op alone.
  const auto bar = reverse_partials<Op, false>(p);
  const long double fd0 = reference_derivative(
      [&](long double t) {
        if constexpr (Op::arity == 1)
          return Op::primal(t);
        else
          return Op::primal(t, (long double)p[1]);
      },
      p[0]);
  EXPECT_TRUE(close(bar[0], ybar * fd0, 1e-9L, 1e-11L, where + " x̄"));
  if constexpr (Op::arity == 2) {
    const long double fd1 = reference_derivative([&](long double t) { return Op::primal((long double)p[0], t); }, p[1]);
    EXPECT_TRUE(close(bar[1], ybar * fd1, 1e-9L, 1e-11L, where + " ȳ"));
  }
}

template <class Op>
void check_op() {
  constexpr int count = Op::arity == 1 ? 9 : 4;
  for (int a = 0; a < count; ++a)
    for (int b = 0; b < (Op::arity == 2 ? count : 1); ++b) {
      std::array<double, 2> p{sample(Op::domain[0].lo, Op::domain[0].hi, a, count), 0.5};
      if constexpr (Op::arity == 2) p[1] = sample(Op::domain[1].lo, Op::domain[1].hi, b, count, 2.1);
      check_point<Op>(p);
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

TEST(OpMatrixTape, EveryDifferentiableOp) { check_all(kinase::ops::differentiable_ops{}); }

TEST(OpMatrixTape, ParameterisedOps) {
  for (int n = -2; n <= 4; ++n) {
    for (double x : {-1.7, -0.4, 0.6, 2.2}) {
      Tape<double> tape;
      Real<double> v = x;
      {
        Recording<double> recording(tape);
        tape.register_input(v);
        Real<double> r = pow(v, n) + kinase::polygamma(n < 0 ? 0 : n % 3, v * v + 0.5);
        tape.adjoint(r) = 1.0;
      }
      tape.evaluate();
      const double forward =
          (pow(Dual<double, 1>(x, {1.0}), n) +
           kinase::polygamma(n < 0 ? 0 : n % 3, Dual<double, 1>(x, {1.0}) * Dual<double, 1>(x, {1.0}) + 0.5))
              .tangent[0];
      EXPECT_TRUE(close(tape.adjoint(v), forward, 1e-12L, 1e-13L, "pow_int/polygamma n=" + std::to_string(n)));
    }
  }
}

TEST(OpMatrixTape, PiecewiseConstantOpsRecordNothing) {
  Tape<double> tape;
  Real<double> v = 1.5;
  Recording<double> recording(tape);
  tape.register_input(v);
  const Real<double> r = floor(v) + ceil(v) + round(v) + trunc(v);
  EXPECT_EQ(r.primal, 1.0 + 2.0 + 2.0 + 1.0);
  EXPECT_EQ(r.index(), 0);  // passive: no active leaf has a nonzero partial
  EXPECT_EQ(tape.stats().statements, 0u);
}

}  // namespace
