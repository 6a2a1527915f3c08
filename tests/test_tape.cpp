// The tape as an object: statements per assignment, copies and moves, x = f(x), positions, reset and reuse,
// evaluation between positions, vector adjoints, index reuse, statistics, values without a recording, and errors.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <kinase/kinase.hpp>
#include <limits>
#include <sstream>
#include <vector>

namespace {

using kinase::Real;
using kinase::Recording;
using kinase::Tape;
using R = Real<double>;

TEST(Tape, OneStatementPerAssignment) {
  Tape<double> tape;
  R x = 2.0, y = 3.0;
  Recording<double> recording(tape);
  tape.register_input(x);
  tape.register_input(y);
  const R z = sin(x * y) + x * x / y - exp(y);  // one statement; x and y merged: two arguments
  EXPECT_EQ(tape.stats().statements, 1u);
  EXPECT_EQ(tape.stats().arguments, 2u);
  tape.adjoint(z) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(tape.adjoint(x), std::cos(6.0) * 3.0 + 2 * 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(tape.adjoint(y), std::cos(6.0) * 2.0 - 4.0 / 9.0 - std::exp(3.0));
}

TEST(Tape, CopiesRecordMovesDoNot) {
  Tape<double> tape;
  R x = 2.0;
  Recording<double> recording(tape);
  tape.register_input(x);
  R copy = x;  // y = x: one statement
  EXPECT_EQ(tape.stats().statements, 1u);
  EXPECT_NE(copy.index(), x.index());
  R moved = std::move(copy);  // the index moves: no statement
  EXPECT_EQ(tape.stats().statements, 1u);
  const R z = moved * moved;
  tape.adjoint(z) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(tape.adjoint(x), 4.0);
}

TEST(Tape, SelfAssignmentKeepsTheChainRule) {
  // x = x·x twice: d/dx₀ x₀⁴ = 4x₀³; the left-hand side keeps its index, and the sweep reads and clears it first.
  Tape<double> tape;
  R x0 = 3.0;
  Recording<double> recording(tape);
  tape.register_input(x0);
  R x = x0 * 1.0;
  x = x * x;
  x *= x;
  x += 0.0;
  tape.adjoint(x) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(x.primal, 81.0);
  EXPECT_DOUBLE_EQ(tape.adjoint(x0), 108.0);
}

TEST(Tape, PositionsResetAndEvaluateBetween) {
  Tape<double> tape;
  R x = 0.5;
  Recording<double> recording(tape);
  tape.register_input(x);
  const R y1 = sin(x);  // f
  const auto p1 = tape.position();
  const R y2 = y1 * y1 * 3.0;  // g
  const auto p2 = tape.position();
  // Evaluate g alone, then f alone: the product is the whole chain.
  tape.adjoint(y2) = 1.0;
  tape.evaluate(p2, p1);
  EXPECT_DOUBLE_EQ(tape.adjoint(y1), 6.0 * std::sin(0.5));
  EXPECT_EQ(tape.adjoint(x), 0.0);
  tape.evaluate(p1, decltype(p1){});
  EXPECT_DOUBLE_EQ(tape.adjoint(x), 6.0 * std::sin(0.5) * std::cos(0.5));
  // Reset to p1 drops g's statement.
  tape.reset(p1);
  EXPECT_EQ(tape.stats().statements, 1u);
  tape.clear_adjoints();
  tape.adjoint(y1) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(tape.adjoint(x), std::cos(0.5));
}

TEST(Tape, VectorAdjointsGiveJacobianRows) {
  Tape<double> tape;
  R a = 1.5, b = -0.5;
  Recording<double> recording(tape);
  tape.register_input(a);
  tape.register_input(b);
  const std::array<R, 3> out{R(a * b), R(exp(a) + b), R(b * b * b)};
  std::vector<std::array<double, 3>> adjoints;
  adjoints.resize(static_cast<std::size_t>(tape.stats().largest_index) + 1);
  for (std::size_t l = 0; l < 3; ++l) adjoints[static_cast<std::size_t>(out[l].index())][l] = 1.0;
  tape.evaluate(adjoints);
  const auto& da = adjoints[static_cast<std::size_t>(a.index())];
  const auto& db = adjoints[static_cast<std::size_t>(b.index())];
  EXPECT_DOUBLE_EQ(da[0], -0.5);
  EXPECT_DOUBLE_EQ(db[0], 1.5);
  EXPECT_DOUBLE_EQ(da[1], std::exp(1.5));
  EXPECT_DOUBLE_EQ(db[1], 1.0);
  EXPECT_DOUBLE_EQ(da[2], 0.0);
  EXPECT_DOUBLE_EQ(db[2], 0.75);
}

/// A long loop of temporaries: with index reuse the adjoint vector stays as long as the live variables need.
double sum_of_squares(int n, Tape<double>& tape) {
  R x = 1.001;
  Recording<double> recording(tape);
  tape.register_input(x);
  R acc = 0.0;
  for (int i = 0; i < n; ++i) {
    const R t = x * static_cast<double>(i % 7);
    acc += t * t;
  }
  tape.adjoint(acc) = 1.0;
  tape.evaluate();
  return tape.adjoint(x);
}

TEST(Tape, IndexReuseKeepsMemoryFlat) {
  Tape<double> tape;
  const double g = sum_of_squares(100000, tape);
  double expected = 0;
  for (int i = 0; i < 100000; ++i) expected += 2 * 1.001 * (i % 7) * (i % 7);
  EXPECT_NEAR(g, expected, 1e-9 * expected);
  const auto stats = tape.stats();
  EXPECT_LE(stats.largest_index, 4u);  // x, acc and one temporary at a time
  EXPECT_GE(stats.statements, 100000u);
  // Reuse: after reset the same recording needs no new blocks.
  const std::size_t reserved = stats.bytes_reserved;
  tape.reset();
  sum_of_squares(100000, tape);
  EXPECT_EQ(tape.stats().bytes_reserved, reserved);
}

TEST(Tape, StatisticsArePrintable) {
  Tape<double> tape;
  sum_of_squares(10, tape);
  std::ostringstream os;
  os << tape.stats();
  EXPECT_NE(os.str().find("statements 20"), std::string::npos) << os.str();
  EXPECT_GT(tape.stats().bytes_per_statement(), 0.0);
}

TEST(Tape, WithoutRecordingRealsAreNumbers) {
  R x = 2.0;
  const R y = x * x + 1.0;
  EXPECT_EQ(y.primal, 5.0);
  EXPECT_EQ(y.index(), 0);
}

TEST(Tape, ZeroAdjointSkipsInfinitePartials) {
  // sqrt at 0 has an infinite partial; an output that does not depend on it must not turn nan (strong zero).
  Tape<double> tape;
  R x = 0.0, y = 2.0;
  Recording<double> recording(tape);
  tape.register_input(x);
  tape.register_input(y);
  const R s = sqrt(x);
  const R z = y * 3.0;
  tape.adjoint(z) = 1.0;
  tape.evaluate();
  EXPECT_EQ(tape.adjoint(x), 0.0);
  EXPECT_EQ(tape.adjoint(y), 3.0);
  (void)s;
}

TEST(Tape, VariableOfAnotherTapeIsAnError) {
  Tape<double> first, second;
  R x = 1.0;
  {
    Recording<double> recording(first);
    first.register_input(x);
  }
  Recording<double> recording(second);
  try {
    R y = x * 2.0;
    FAIL() << "no error";
  } catch (const kinase::Error& e) {
    EXPECT_NE(std::string(e.what()).find("recorded on another tape"), std::string::npos) << e.what();
  }
}

TEST(Tape, ResetMakesOldVariablesForeign) {
  // A variable from before reset() must not free its stale index into the new recording (it would be handed out
  // twice) nor enter a new statement.
  Tape<double> tape;
  R old = 1.0;
  {
    Recording<double> recording(tape);
    tape.register_input(old);
  }
  tape.reset();
  Recording<double> recording(tape);
  R x = 2.0;
  tape.register_input(x);
  const std::size_t live = tape.stats().live_indices;
  old = 5.0;  // releases nothing: the index belongs to the tape before the reset
  EXPECT_EQ(tape.stats().live_indices, live);
  R y = x * x;
  R z = y * 3.0;
  tape.adjoint(z) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(tape.adjoint(x), 12.0);
  R stale = 1.0;
  {
    Tape<double> other;
    Recording<double> r2(other);
    other.register_input(stale);
  }
  EXPECT_THROW(R w = stale * 2.0, kinase::Error);
}

TEST(Tape, EdgePointsMatchTheForwardEngine) {
  // The tape stores the same partials as the forward engine: sqrt'(0) = inf, abs'(0) = 0, pow(0, y) per docs/ops.md.
  auto adjoints = [](auto&& f, double a, double b) {
    Tape<double> tape;
    R x = a, y = b;
    Recording<double> recording(tape);
    tape.register_input(x);
    tape.register_input(y);
    const R r = f(x, y);
    tape.adjoint(r) = 1.0;
    tape.evaluate();
    return std::array{tape.adjoint(x), tape.adjoint(y)};
  };
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(adjoints([](const R& x, const R&) { return sqrt(x) * 1.0; }, 0.0, 0.0)[0], inf);
  EXPECT_EQ(adjoints([](const R& x, const R&) { return abs(x) * 1.0; }, 0.0, 0.0)[0], 0.0);
  EXPECT_EQ(adjoints([](const R& x, const R& y) { return pow(x, y) * 1.0; }, 0.0, 0.5), (std::array{inf, 0.0}));
  EXPECT_EQ(adjoints([](const R& x, const R& y) { return pow(x, y) * 1.0; }, 0.0, 0.0), (std::array{0.0, 0.0}));
  EXPECT_EQ(adjoints([](const R& x, const R& y) { return max(x, y) * 1.0; }, 2.0, 2.0), (std::array{0.5, 0.5}));
  EXPECT_EQ(adjoints([](const R& x, const R& y) { return atan2(x, y) * 1.0; }, 0.0, 0.0), (std::array{0.0, 0.0}));
}

TEST(Tape, GenericOverDualsGivesHessianVectorProducts) {
  // The tape over T = Dual<double, 1> (forward over reverse): one sweep gives the gradient in the primal parts and
  // H·v in the tangent parts. Rosenbrock at (1, 2) along v = (1, 0): ∇f = (−400, 200), H·v = (402, −400). A left-hand
  // adjoint whose primal is 0 but whose tangent is not must still be propagated.
  using D = kinase::Dual<double, 1>;
  Tape<D> tape;
  Real<D> x = D(1.0, {1.0}), y = D(2.0, {0.0});
  {
    Recording<D> recording(tape);
    tape.register_input(x);
    tape.register_input(y);
    const Real<D> f = (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
    tape.adjoint(f) = D(1.0);
  }
  tape.evaluate();
  EXPECT_EQ(tape.adjoint(x).primal, -400.0);
  EXPECT_EQ(tape.adjoint(y).primal, 200.0);
  EXPECT_EQ(tape.adjoint(x).tangent[0], 402.0);
  EXPECT_EQ(tape.adjoint(y).tangent[0], -400.0);
  // Plain numbers assign to a Real over Duals (no ambiguity between T and the number's own type).
  Real<D> c;
  c = 0.0;
  c = 2;
  EXPECT_EQ(c.primal.primal, 2.0);
  // Seeding only a tangent: the adjoint's primal is 0, its tangent 1 (the sweep must not skip it).
  Tape<D> t2;
  Real<D> a = D(3.0, {0.0});
  {
    Recording<D> recording(t2);
    t2.register_input(a);
    const Real<D> b = a * a;
    t2.adjoint(b) = D(0.0, {1.0});
  }
  t2.evaluate();
  EXPECT_EQ(t2.adjoint(a).tangent[0], 6.0);
}

TEST(Tape, StaleExpressionsAreAnErrorNotAWrongDerivative) {
  // A helper that returns an expression of its local variable: the local dies (its index is freed and may be
  // handed to the next temporary) before the expression is recorded. That must not merge two variables.
  auto h = [](const R& a) {
    R t = sin(a);
    return t * a;  // an expression holding t
  };
  Tape<double> tape;
  R x0 = 1.0, x1 = 2.0;
  Recording<double> recording(tape);
  tape.register_input(x0);
  tape.register_input(x1);
  EXPECT_THROW(R y = h(x0) * h(x1), kinase::Error);
  // Returning a Real instead is right.
  auto h_real = [](const R& a) {
    R t = sin(a);
    return R(t * a);
  };
  const R y = h_real(x0) * h_real(x1);
  tape.adjoint(y) = 1.0;
  tape.evaluate();
  const double f0 = std::sin(1.0) * 1.0, f1 = std::sin(2.0) * 2.0;
  EXPECT_DOUBLE_EQ(tape.adjoint(x0), (std::cos(1.0) * 1.0 + std::sin(1.0)) * f1);
  EXPECT_DOUBLE_EQ(tape.adjoint(x1), (std::cos(2.0) * 2.0 + std::sin(2.0)) * f0);
  // A function returning an expression of its by-value parameters (the seed's rosenbrock(x, y) style): the copies die
  // before the expression is recorded, but their indices are not handed out again in between, so it is right.
  auto product = [](R a, R b) { return a * b; };
  auto outer = [&](const R& u, const R& v) { return product(u, v); };
  const R p = outer(x0, x1);
  tape.clear_adjoints();
  tape.adjoint(p) = 1.0;
  tape.evaluate();
  EXPECT_DOUBLE_EQ(tape.adjoint(x0), 2.0);
  EXPECT_DOUBLE_EQ(tape.adjoint(x1), 1.0);
  // An expression kept while its operand is assigned a new value in place.
  R z = x0 * 1.0;
  const auto e = z * 2.0;
  z = sin(z);
  EXPECT_THROW(R w = e, kinase::Error);
}

TEST(Tape, AdjointOfPassiveAndForeignVariables) {
  Tape<double> tape, other;
  R x = 1.0, p = 4.0, q = 5.0;
  {
    Recording<double> recording(other);
    other.register_input(x);
  }
  EXPECT_THROW(tape.adjoint(x), kinase::Error);
  tape.adjoint(p) = 1.0;            // a passive variable has no adjoint: the write goes nowhere
  EXPECT_EQ(tape.adjoint(q), 0.0);  // and another passive one still reads 0
}

TEST(Tape, RecordingScopesNest) {
  Tape<double> outer, inner;
  Recording<double> a(outer);
  {
    Recording<double> b(inner);
    R x = 1.0;
    inner.register_input(x);
    R y = x * x;
    EXPECT_EQ(inner.stats().statements, 1u);
  }
  R z = 1.0;
  outer.register_input(z);
  R w = z * z;
  EXPECT_EQ(outer.stats().statements, 1u);
}

}  // namespace
