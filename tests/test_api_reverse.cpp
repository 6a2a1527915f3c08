// Reverse-mode API: the seed's examples value for value, accumulation into shadows, mutation, jacobian, Eigen,
// and run-time errors (compile-time errors are in compile_fail/).
#include <gtest/gtest.h>

#include <array>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

#include "op_testing.hpp"

namespace {

using namespace kinase;

auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};
// With the tape, arithmetic gives expressions: a container of results names its scalar type.
auto foo = [](const auto& x) {
  using S = std::decay_t<decltype(x[0])>;
  return std::array<S, 2>{rosenbrock_inp(x), x[0] * x[1]};
};

// --- the seed's examples ---------------------------------------------------------------------------------------

TEST(SeedReverse, ActiveScalars) {
  const auto r = autodiff(Reverse, rosenbrock, Active{}, Active(1.0), Active(2.0));
  EXPECT_EQ(r.derivatives[0], -400.0);
  EXPECT_EQ(r.derivatives[1], 200.0);
  const auto [derivatives] = autodiff(Reverse, rosenbrock, Active{}, Active(1.0), Active(2.0));
  EXPECT_EQ(derivatives, (std::array{-400.0, 200.0}));
}

TEST(SeedReverse, WithPrimal) {
  const auto r = autodiff(ReverseWithPrimal, rosenbrock, Active{}, Active(1.0), Active(2.0));
  EXPECT_EQ(r.derivatives, (std::array{-400.0, 200.0}));
  EXPECT_EQ(r.primal, 100.0);
}

TEST(SeedReverse, DuplicatedAccumulatesAndMakeZero) {
  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx));
  EXPECT_EQ(dx, (std::vector{-400.0, 200.0}));
  autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx));
  EXPECT_EQ(dx, (std::vector{-800.0, 400.0}));
  make_zero(dx);
  EXPECT_EQ(dx, (std::vector{0.0, 0.0}));
  autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx));
  EXPECT_EQ(dx, (std::vector{-400.0, 200.0}));
}

TEST(SeedReverse, GradientAndGradientInto) {
  EXPECT_EQ(gradient(Reverse, rosenbrock_inp, {1.0, 2.0}), (std::vector{-400.0, 200.0}));
  std::vector<double> dx{7.0, 7.0};
  gradient_into(Reverse, dx, rosenbrock_inp, {1.0, 2.0});
  EXPECT_EQ(dx, (std::vector{-400.0, 200.0}));
  const auto g = gradient(ReverseWithPrimal, rosenbrock_inp, std::array{1.0, 2.0});
  EXPECT_EQ(g.primal, 100.0);
  EXPECT_EQ(g.derivative, (std::array{-400.0, 200.0}));
}

TEST(SeedReverse, Jacobian) {
  Matrix<double> expected(2, 2);
  expected(0, 0) = -400, expected(0, 1) = 200, expected(1, 0) = 2, expected(1, 1) = 1;
  EXPECT_EQ(jacobian(Reverse, foo, {1.0, 2.0}, output_size<2>), expected);
  EXPECT_EQ(jacobian(Reverse, foo, {1.0, 2.0}, output_size<2>, chunk<2>), expected);
  EXPECT_EQ(jacobian(Reverse, foo, {1.0, 2.0}, chunk<1>), expected);
  EXPECT_EQ(jacobian(Reverse, foo, {1.0, 2.0}), expected);
  const auto j = jacobian(ReverseWithPrimal, foo, {1.0, 2.0});
  EXPECT_EQ(j.primal, (std::vector{100.0, 2.0}));
  // The same function through forward mode: the engines agree.
  EXPECT_EQ(jacobian(Forward, foo, {1.0, 2.0}), expected);
}

// --- mutation, control flow, engines agreeing -------------------------------------------------------------------

TEST(ReverseMutation, InPlaceSquareThenSum) {
  // v[i] = v[i]² in place, then Σ v[i]: d/dx = 2x; x holds the squares afterwards.
  auto f = [](auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    for (auto& e : v) e = e * e;
    S s = 0.0;
    for (const auto& e : v) s += e;
    return s;
  };
  std::vector<double> x{1.0, 2.0, 3.0}, dx{0.0, 0.0, 0.0};
  const auto r = autodiff(ReverseWithPrimal, f, Active{}, Duplicated(x, dx));
  EXPECT_EQ(r.primal, 14.0);
  EXPECT_EQ(x, (std::vector{1.0, 4.0, 9.0}));
  EXPECT_EQ(dx, (std::vector{2.0, 4.0, 6.0}));
}

TEST(ReverseMutation, ShadowSeedsTheOverwrittenValue) {
  // A function with no result that overwrites v[0] = v[0]·v[1]: the incoming shadow is the adjoint of the final
  // values, and afterwards the shadow holds the adjoint of the initial ones (Enzyme's rule).
  auto f = [](auto& v) { v[0] = v[0] * v[1]; };
  std::vector<double> x{3.0, 5.0}, dx{1.0, 0.0};
  autodiff(Reverse, f, Const{}, Duplicated(x, dx));
  EXPECT_EQ(x, (std::vector{15.0, 5.0}));
  EXPECT_EQ(dx, (std::vector{5.0, 3.0}));  // ∂(x0·x1)/∂x0 = x1, ∂/∂x1 = x0 (+ x1's own seed 0)
}

TEST(ReverseMutation, LoopBranchAndUserFunctionAgreeWithForward) {
  auto helper = [](const auto& a, const auto& b) {
    using S = std::decay_t<decltype(a)>;
    return a > b ? S(a * b) : S(a + b);
  };
  auto f = [&](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    S acc = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      using std::exp, std::log;
      acc += helper(v[i], S(1.0)) * exp(v[(i + 1) % v.size()] * 0.1) + log(v[i] * v[i] + 1.0);
    }
    return acc;
  };
  const std::vector<double> x{0.5, 2.0, 3.0, -0.7, 1.3};
  const auto g_rev = gradient(Reverse, f, x);
  const auto g_fwd = gradient(Forward, f, x);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(g_rev[i], g_fwd[i], 1e-13 * (1 + std::abs(g_fwd[i])));
}

TEST(ReverseMutation, MixedActiveConstAndDuplicated) {
  auto f = [](auto a, const auto& v, double c) { return a * v[0] * c + v[1]; };
  std::vector<double> x{2.0, 3.0}, dx{0.0, 0.0};
  const auto r = autodiff(ReverseWithPrimal, f, Active{}, Active(1.5), Duplicated(x, dx), Const(4.0));
  EXPECT_EQ(r.primal, 15.0);
  EXPECT_EQ(r.derivatives, (std::array{8.0}));
  EXPECT_EQ(dx, (std::vector{6.0, 1.0}));
}

// --- run-time errors -------------------------------------------------------------------------------------------

using kinase::testing::error_of;

TEST(SeedReverse, JacobianWithPassiveAndInputOutputs) {
  // A constant output has a zero row; an output that is an input has a unit row; the rest as usual.
  auto g = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::array<S, 3>{S(2.5), v[1], v[0] * v[0]};
  };
  const auto J = jacobian(Reverse, g, {3.0, 4.0});
  EXPECT_EQ(J, jacobian(Forward, g, {3.0, 4.0}));
  EXPECT_EQ(J(0, 0), 0.0);
  EXPECT_EQ(J(0, 1), 0.0);
  EXPECT_EQ(J(1, 0), 0.0);
  EXPECT_EQ(J(1, 1), 1.0);
  EXPECT_EQ(J(2, 0), 6.0);
}

TEST(ReverseErrors, ShadowOfAnotherSize) {
  std::vector<double> x{1.0, 2.0}, dx{0.0};
  EXPECT_EQ(error_of([&] { autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx)); }),
            "kinase::autodiff: argument 1 (Duplicated): the shadow has 1 elements but the primal has 2");
}

TEST(ReverseErrors, FunctionResizesItsDuplicatedArgument) {
  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  EXPECT_EQ(error_of([&] {
              autodiff(
                  Reverse, [](auto& v) { v.pop_back(); }, Const{}, Duplicated(x, dx));
            }),
            "kinase::autodiff: argument 1 (Duplicated): the function changed the container's size from 2 to 1; it "
            "may change the elements, not the size");
  EXPECT_EQ(error_of([&] {
              autodiff(
                  Forward, [](auto& v) { v.push_back(v[0]); }, Const{}, Duplicated(x, dx));
            }),
            "kinase::autodiff: argument 1 (Duplicated): the function changed the container's size from 2 to 3; it "
            "may change the elements, not the size");
}

TEST(ReverseErrors, GradientIntoWrongSize) {
  std::vector<double> dx(3);
  EXPECT_EQ(error_of([&] {
              gradient_into(Reverse, dx, rosenbrock_inp, {1.0, 2.0});
            }),
            "kinase::gradient_into: dx has 3 elements but x has 2");
}

TEST(ReverseErrors, OutputSizeMismatch) {
  EXPECT_EQ(error_of([&] {
              jacobian(Reverse, foo, {1.0, 2.0}, output_size<3>);
            }),
            "kinase::jacobian: output_size<3> was given but the function returned 2 values");
}

}  // namespace
