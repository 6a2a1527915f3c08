// Forward-mode API: the seed's examples value for value, results, containers, mutation, chunks, and the run-time
// errors (compile-time errors are in compile_fail/).
#include <gtest/gtest.h>

#include <array>
#include <kinase/kinase.hpp>
#include <span>
#include <string>
#include <vector>

#include "op_testing.hpp"

namespace {

using namespace kinase;

auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};
auto foo = [](const auto& x) { return std::array{rosenbrock_inp(x), x[0] * x[1]}; };
auto scaled_sum = [](auto s, const auto& v) { return s * (v[0] + v[1]); };

// --- the seed's examples ---------------------------------------------------------------------------------------

TEST(SeedForward, SecondArgumentActive) {
  const auto r = autodiff(Forward, rosenbrock, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivative, 400.0);
}

TEST(SeedForward, FirstArgumentActive) {
  const auto [primal, derivative] = autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Const(3.0));
  EXPECT_EQ(primal, 400.0);
  EXPECT_EQ(derivative, -800.0);
}

TEST(SeedForward, BothSeededGivesTheSum) {
  const auto r = autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Duplicated(3.0, 1.0));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivative, -400.0);
}

TEST(SeedForward, InPlaceVector) {
  std::vector<double> x{1.0, 3.0}, dx{1.0, 1.0};
  const auto r = autodiff(Forward, rosenbrock_inp, Duplicated{}, Duplicated(x, dx));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivative, -400.0);
  EXPECT_EQ(x, (std::vector<double>{1.0, 3.0}));  // not mutated by the function
  EXPECT_EQ(dx, (std::vector<double>{1.0, 1.0}));
}

TEST(SeedForward, BatchScalars) {
  const auto r = autodiff(Forward, rosenbrock, BatchDuplicated{}, BatchDuplicated(1.0, {1.0, 0.0}),
                          BatchDuplicated(3.0, {0.0, 1.0}));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivatives[0], -800.0);
  EXPECT_EQ(r.derivatives[1], 400.0);
}

TEST(SeedForward, BatchVector) {
  std::vector<double> x{1.0, 3.0}, dx1{1.0, 0.0}, dx2{0.0, 1.0};
  const auto r = autodiff(Forward, rosenbrock_inp, BatchDuplicated{}, BatchDuplicated(x, {dx1, dx2}));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivatives[0], -800.0);
  EXPECT_EQ(r.derivatives[1], 400.0);
}

TEST(SeedForward, Gradient) {
  EXPECT_EQ(gradient(Forward, rosenbrock_inp, {1.0, 2.0}), (std::vector<double>{-400.0, 200.0}));
  EXPECT_EQ(gradient(Forward, rosenbrock_inp, {1.0, 2.0}, chunk<1>), (std::vector<double>{-400.0, 200.0}));
  EXPECT_EQ(gradient(Forward, rosenbrock_inp, {1.0, 2.0}, chunk<2>), (std::vector<double>{-400.0, 200.0}));
  EXPECT_EQ(gradient(Forward, rosenbrock_inp, std::array{1.0, 2.0}, chunk<3>), (std::array{-400.0, 200.0}));
}

TEST(SeedForward, GradientOddLengthRemainderChunk) {
  // Extended Rosenbrock on n = 5 with chunk 2: sweeps of 2, 2 and a remainder of 1.
  auto f = [](const auto& x) {
    auto s = x[0] * 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i)
      s += (1.0 - x[i]) * (1.0 - x[i]) + 100.0 * (x[i + 1] - x[i] * x[i]) * (x[i + 1] - x[i] * x[i]);
    return s;
  };
  const std::vector<double> x{0.5, -1.0, 2.0, 1.5, 0.25};
  std::vector<double> expected(5, 0.0);
  for (std::size_t i = 0; i + 1 < 5; ++i) {
    expected[i] += -2 * (1 - x[i]) - 400 * x[i] * (x[i + 1] - x[i] * x[i]);
    expected[i + 1] += 200 * (x[i + 1] - x[i] * x[i]);
  }
  for (const auto& g : {gradient(Forward, f, x, chunk<2>), gradient(Forward, f, x, chunk<1>),
                        gradient(Forward, f, x, chunk<8>), gradient(Forward, f, x)})
    for (std::size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(g[i], expected[i]) << i;
}

TEST(SeedForward, Jacobian) {
  const Matrix<double> expected = [] {
    Matrix<double> j(2, 2);
    j(0, 0) = -400, j(0, 1) = 200, j(1, 0) = 2, j(1, 1) = 1;
    return j;
  }();
  EXPECT_EQ(jacobian(Forward, foo, {1.0, 2.0}), expected);
  EXPECT_EQ(jacobian(Forward, foo, {1.0, 2.0}, chunk<1>), expected);
  EXPECT_EQ(jacobian(Forward, foo, {1.0, 2.0}, chunk<2>), expected);
  EXPECT_EQ(jacobian(Forward, foo, std::vector{1.0, 2.0}, chunk<4>), expected);
}

// --- results -----------------------------------------------------------------------------------------------------

TEST(ForwardResults, ReturnActivitiesAndModes) {
  // DuplicatedNoNeed: the derivative alone in Forward; with the primal in ForwardWithPrimal.
  const auto d = autodiff(Forward, rosenbrock, DuplicatedNoNeed{}, Duplicated(1.0, 1.0), Const(3.0));
  static_assert(std::is_same_v<decltype(d), const DerivativeOnly<double>>);
  EXPECT_EQ(d.derivative, -800.0);
  const auto pd = autodiff(ForwardWithPrimal, rosenbrock, DuplicatedNoNeed{}, Duplicated(1.0, 1.0), Const(3.0));
  EXPECT_EQ(pd.primal, 400.0);
  EXPECT_EQ(pd.derivative, -800.0);
  // Const: nothing in Forward, the primal in ForwardWithPrimal.
  const auto nothing = autodiff(Forward, rosenbrock, Const{}, Duplicated(1.0, 1.0), Const(3.0));
  static_assert(std::is_same_v<decltype(nothing), const NoResult>);
  EXPECT_EQ(autodiff(ForwardWithPrimal, rosenbrock, Const{}, Duplicated(1.0, 1.0), Const(3.0)).primal, 400.0);
  // BatchDuplicatedNoNeed.
  const auto b = autodiff(Forward, rosenbrock, BatchDuplicatedNoNeed{}, BatchDuplicated(1.0, {1.0, 0.0}),
                          BatchDuplicated(3.0, {0.0, 1.0}));
  EXPECT_EQ(b.derivatives[0], -800.0);
  EXPECT_EQ(b.derivatives[1], 400.0);
  const auto bp = autodiff(ForwardWithPrimal, rosenbrock, BatchDuplicatedNoNeed{}, BatchDuplicated(1.0, {1.0, 0.0}),
                           BatchDuplicated(3.0, {0.0, 1.0}));
  EXPECT_EQ(bp.primal, 400.0);
  // An unwrapped argument is Const.
  EXPECT_EQ(autodiff(Forward, rosenbrock, Duplicated{}, 1.0, Duplicated(3.0, 1.0)).derivative, 400.0);
  // gradient and jacobian WithPrimal.
  const auto g = gradient(ForwardWithPrimal, rosenbrock_inp, {1.0, 2.0});
  EXPECT_EQ(g.primal, 100.0);
  EXPECT_EQ(g.derivative, (std::vector<double>{-400.0, 200.0}));
  const auto j = jacobian(ForwardWithPrimal, foo, {1.0, 2.0});
  EXPECT_EQ(j.primal, (std::vector<double>{100.0, 2.0}));
  EXPECT_EQ(j.derivative(1, 0), 2.0);
}

TEST(ForwardResults, VectorValuedFunction) {
  std::vector<double> x{1.0, 2.0}, dx{0.0, 1.0};
  const auto r = autodiff(Forward, foo, Duplicated{}, Duplicated(x, dx));
  EXPECT_EQ(r.primal, (std::array{100.0, 2.0}));
  EXPECT_EQ(r.derivative, (std::array{200.0, 1.0}));
}

TEST(ForwardResults, ConstantResultHasZeroDerivative) {
  const auto r = autodiff(
      Forward, [](auto) { return 2.5; }, Duplicated{}, Duplicated(1.0, 1.0));
  EXPECT_EQ(r.primal, 2.5);
  EXPECT_EQ(r.derivative, 0.0);
}

// --- containers and mutation -----------------------------------------------------------------------------------

TEST(ForwardContainers, ArraySpanAndConstContainers) {
  std::array<double, 2> xa{1.0, 3.0}, dxa{1.0, 1.0};
  EXPECT_EQ(autodiff(Forward, rosenbrock_inp, Duplicated{}, Duplicated(xa, dxa)).derivative, -400.0);
  std::vector<double> storage{1.0, 3.0}, shadow{1.0, 1.0};
  const auto r = autodiff(
      Forward, [](auto v) { return rosenbrock_inp(v); }, Duplicated{},
      Duplicated(std::span<double>(storage), std::span<double>(shadow)));
  EXPECT_EQ(r.derivative, -400.0);
  const std::vector<double> c{1.0, 3.0};
  auto scaled = [](const auto& v, auto s) { return s * (v[0] + v[1]); };
  EXPECT_EQ(autodiff(Forward, scaled, Duplicated{}, Const(c), Duplicated(2.0, 1.0)).derivative, 4.0);
}

TEST(ForwardContainers, MutationUpdatesPrimalAndShadow) {
  // v[i] = v[i]² in place: afterwards x holds the squares and dx their tangents 2·x·dx (Enzyme's semantics).
  auto square_in_place = [](auto& v) {
    for (auto& e : v) e = e * e;
  };
  std::vector<double> x{1.0, 2.0, 3.0}, dx{1.0, 0.5, -1.0};
  const auto r = autodiff(Forward, square_in_place, Const{}, Duplicated(x, dx));
  static_assert(std::is_same_v<decltype(r), const NoResult>);
  EXPECT_EQ(x, (std::vector<double>{1.0, 4.0, 9.0}));
  EXPECT_EQ(dx, (std::vector<double>{2.0, 2.0, -6.0}));
  // With DuplicatedNoNeed the primal is left as it was; the shadow is updated.
  std::vector<double> y{1.0, 2.0, 3.0}, dy{1.0, 1.0, 1.0};
  autodiff(Forward, square_in_place, Const{}, DuplicatedNoNeed(y, dy));
  EXPECT_EQ(y, (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(dy, (std::vector<double>{2.0, 4.0, 6.0}));
  // Batch: each shadow receives its lane.
  std::vector<double> z{1.0, 2.0}, s1{1.0, 0.0}, s2{0.0, 1.0};
  autodiff(Forward, square_in_place, Const{}, BatchDuplicated(z, {s1, s2}));
  EXPECT_EQ(z, (std::vector<double>{1.0, 4.0}));
  EXPECT_EQ(s1, (std::vector<double>{2.0, 0.0}));
  EXPECT_EQ(s2, (std::vector<double>{0.0, 4.0}));
}

TEST(ForwardContainers, LoopsBranchesAndUserFunctions) {
  auto helper = [](auto a, auto b) { return a > b ? a * b : a + b; };
  auto f = [&](const auto& v) {
    auto acc = v[0] * 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) acc += helper(v[i], 1.0) * static_cast<double>(i + 1);
    return acc;
  };
  const std::vector<double> x{0.5, 2.0, 3.0};
  // d/dv: v0 < 1: 1·1; v1 > 1: 1·2; v2 > 1: 1·3
  EXPECT_EQ(gradient(Forward, f, x), (std::vector<double>{1.0, 2.0, 3.0}));
}

// --- run-time errors ---------------------------------------------------------------------------------------------

using kinase::testing::error_of;

TEST(ForwardErrors, ShadowOfAnotherSize) {
  std::vector<double> x{1.0, 3.0}, dx{1.0, 1.0, 1.0};
  EXPECT_EQ(error_of([&] { autodiff(Forward, rosenbrock_inp, Duplicated{}, Duplicated(x, dx)); }),
            "kinase::autodiff: argument 1 (Duplicated): the shadow has 3 elements but the primal has 2");
  EXPECT_EQ(error_of([&] { autodiff(Forward, scaled_sum, Duplicated{}, Const(2.0), DuplicatedNoNeed(x, dx)); }),
            "kinase::autodiff: argument 2 (DuplicatedNoNeed): the shadow has 3 elements but the primal has 2");
}

TEST(ForwardErrors, BatchShadowsOfAnotherSize) {
  std::vector<double> x{1.0, 3.0}, s1{1.0, 0.0}, s2{0.0};
  EXPECT_EQ(error_of([&] {
              autodiff(Forward, rosenbrock_inp, BatchDuplicated{}, BatchDuplicated(x, {s1, s2}));
            }),
            "kinase::autodiff: argument 1 (BatchDuplicated): shadow 2 has 1 elements but the primal has 2");
}

TEST(ForwardErrors, JacobianOutputSizeChangesBetweenSweeps) {
  // A function whose output length depends on which input is seeded cannot have a Jacobian.
  auto odd = [](const auto& v) {
    std::vector<std::decay_t<decltype(v[0])>> out(v[0].tangent[0] != 0 ? 2 : 3, v[0]);
    return out;
  };
  EXPECT_EQ(error_of([&] {
              jacobian(Forward, odd, {1.0, 2.0}, chunk<1>);
            }),
            "kinase::jacobian: the function returned 2 values in the first sweep and 3 in a later one");
}

}  // namespace

namespace {

TEST(ForwardContainers, FloatPrimalsAndMixedShadowTypes) {
  // float primals give Dual<float>; a double shadow is converted on the way in and out.
  std::vector<float> x{1.0f, 3.0f};
  std::vector<double> dx{1.0, 1.0};
  const auto r = kinase::autodiff(kinase::Forward, rosenbrock_inp, kinase::Duplicated{}, kinase::Duplicated(x, dx));
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(r.primal)>, float>);
  EXPECT_EQ(r.primal, 400.0f);
  EXPECT_EQ(r.derivative, -400.0f);
  auto square_in_place = [](auto& v) {
    for (auto& e : v) e = e * e;
  };
  std::vector<float> y{2.0f};
  std::vector<double> dy{1.0};
  kinase::autodiff(kinase::Forward, square_in_place, kinase::Const{}, kinase::Duplicated(y, dy));
  EXPECT_EQ(y[0], 4.0f);
  EXPECT_EQ(dy[0], 4.0);
}

TEST(ForwardContainers, UnchangedShadowsKeepTheirOwnPrecision) {
  // A double shadow of a float primal that the function does not change is not rounded through float.
  std::vector<float> x{1.0f, 3.0f};
  std::vector<double> dx{0.1, 0.3};
  kinase::autodiff(kinase::Forward, rosenbrock_inp, kinase::Duplicated{}, kinase::Duplicated(x, dx));
  EXPECT_EQ(dx[0], 0.1);
  EXPECT_EQ(dx[1], 0.3);
}

TEST(ForwardContainers, MutationWriteBackForEveryContainer) {
  auto square_in_place = [](auto&& v) {
    for (auto& e : v) e = e * e;
  };
  std::array<double, 2> xa{2.0, 3.0}, dxa{1.0, 1.0};
  kinase::autodiff(kinase::Forward, square_in_place, kinase::Const{}, kinase::Duplicated(xa, dxa));
  EXPECT_EQ(xa, (std::array{4.0, 9.0}));
  EXPECT_EQ(dxa, (std::array{4.0, 6.0}));
  std::vector<double> storage{2.0, 3.0}, shadow{1.0, 0.0};
  kinase::autodiff(kinase::Forward, square_in_place, kinase::Const{},
                   kinase::Duplicated(std::span<double>(storage), std::span<double>(shadow)));
  EXPECT_EQ(storage, (std::vector{4.0, 9.0}));
  EXPECT_EQ(shadow, (std::vector{4.0, 0.0}));
  std::vector<double> z{2.0, 3.0}, s1{1.0, 0.0}, s2{0.0, 1.0};
  kinase::autodiff(kinase::Forward, square_in_place, kinase::Const{}, kinase::BatchDuplicatedNoNeed(z, {s1, s2}));
  EXPECT_EQ(z, (std::vector{2.0, 3.0}));  // NoNeed: the primal is left as it was
  EXPECT_EQ(s1, (std::vector{4.0, 0.0}));
  EXPECT_EQ(s2, (std::vector{0.0, 6.0}));
}

TEST(ForwardContainers, EmptyInputs) {
  auto constant = [](const auto&) { return 1.5; };
  EXPECT_TRUE(kinase::gradient(kinase::Forward, constant, std::vector<double>{}).empty());
  EXPECT_EQ(kinase::gradient(kinase::ForwardWithPrimal, constant, std::vector<double>{}).primal, 1.5);
  const auto j = kinase::jacobian(
      kinase::Forward, [](const auto&) { return std::vector<double>(2, 0.5); }, std::vector<double>{});
  EXPECT_EQ(j.rows(), 2u);
  EXPECT_EQ(j.cols(), 0u);
}

}  // namespace

namespace {

TEST(ForwardNesting, InnerCallOnTheOuterCallsDuals) {
  // d/dx [x · d/dy (x·y)] at y = 1 = d/dx [x · x] = 2x, with the inner call given the outer Dual as its argument's
  // scalar type: its Duals nest inside the outer ones, so no tangent is confused.
  auto outer = [](auto x) {
    using S = decltype(x);
    auto inner = [&](auto y) { return x * y; };
    const auto d =
        kinase::autodiff(kinase::Forward, inner, kinase::DuplicatedNoNeed{}, kinase::Duplicated(S(1.0), S(1.0)));
    return x * d.derivative;
  };
  const auto r = kinase::autodiff(kinase::Forward, outer, kinase::Duplicated{}, kinase::Duplicated(3.0, 1.0));
  EXPECT_EQ(r.primal, 9.0);
  EXPECT_EQ(r.derivative, 6.0);
}

}  // namespace
