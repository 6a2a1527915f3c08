// Split mode: augmented_primal then reverse, against one-shot autodiff(Reverse, ...): Active scalars, Duplicated
// containers (accumulation, mutation), several seeds, moves, release, and the error of a released tape.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <string>
#include <utility>
#include <vector>

#include "op_testing.hpp"

namespace {

using kinase::Active;
using kinase::Const;
using kinase::Duplicated;
using kinase::testing::error_of;

// f(a, v, c) = a · Σ sin(vᵢ) · c, and v is scaled in place by a (mutation).
auto f = [](auto& a, auto& v, double c) {
  using S = std::remove_cvref_t<decltype(a)>;
  S s = 0;
  for (auto& e : v) s += sin(e);
  for (auto& e : v) e = e * a;
  S r = a * s * c;
  return r;
};

TEST(Split, MatchesOneShotReverse) {
  std::vector<double> v1{0.3, -0.7, 1.1}, dv1(3, 0.0), v2 = v1, dv2(3, 0.0);
  const auto once =
      kinase::autodiff(kinase::ReverseWithPrimal, f, Active{}, Active(1.5), Duplicated(v1, dv1), Const(2.0));
  auto aug = kinase::augmented_primal(f, Active(1.5), Duplicated(v2, dv2), Const(2.0));
  EXPECT_DOUBLE_EQ(aug.primal, once.primal);
  EXPECT_EQ(v2, v1);  // the mutation is visible after the forward pass
  const auto r = kinase::reverse(aug.tape, 1.0);
  EXPECT_DOUBLE_EQ(r.derivatives[0], once.derivatives[0]);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(dv2[i], dv1[i]);
}

TEST(Split, SeveralSeedsAndAccumulation) {
  std::vector<double> v{0.3, -0.7, 1.1}, dv(3, 0.0);
  auto aug = kinase::augmented_primal(
      [](auto& a, auto& w) {
        using S = std::remove_cvref_t<decltype(a)>;
        S s = a * a;
        for (auto& e : w) s += a * e * e;
        return s;
      },
      Active(2.0), Duplicated(v, dv));
  const auto r1 = kinase::reverse(aug.tape, 1.0);
  const auto r3 = kinase::reverse(aug.tape, 3.0);  // the tape is unchanged by a sweep
  const double s = 0.09 + 0.49 + 1.21;
  EXPECT_DOUBLE_EQ(r1.derivatives[0], 4.0 + s);
  EXPECT_DOUBLE_EQ(r3.derivatives[0], 3 * (4.0 + s));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(dv[i], (1 + 3) * 2 * 2.0 * v[i]);  // seeds 1 and 3 accumulated
  const auto r0 = kinase::reverse(aug.tape, 0);
  EXPECT_EQ(r0.derivatives[0], 0.0);
}

TEST(Split, ConstShadowIsStillClearedBetweenSweeps) {
  std::vector<double> v{0.5};
  const std::vector<double> dv{1.0};
  auto aug = kinase::augmented_primal(
      [](auto& a, auto& w) {
        w[0] = w[0] * a;
        return a;
      },
      Active(2.0), Duplicated(v, dv));
  for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(kinase::reverse(aug.tape, 1.0).derivatives[0], 1.5);
}

TEST(Split, TapeMovesAndReleases) {
  auto aug = kinase::augmented_primal([](auto& x) { return x * x * x; }, Active(2.0));
  EXPECT_GT(aug.tape.stats().statements, 0u);
  auto moved = std::move(aug.tape);
  EXPECT_DOUBLE_EQ(kinase::reverse(moved).derivatives[0], 12.0);
  const std::string released =
      "kinase::reverse: the split tape was released (release() was called, or it was moved from); run "
      "kinase::augmented_primal again to record a new one";
  EXPECT_EQ(error_of([&] { kinase::reverse(aug.tape, 1.0); }), released);
  moved.release();
  EXPECT_TRUE(moved.released());
  EXPECT_EQ(error_of([&] { kinase::reverse(moved, 1.0); }), released);
}

TEST(Split, VoidFunctionWithShadowsOnly) {
  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0}, y{0.0}, dy{1.0};
  auto g = [](auto& in, auto& out) { out[0] = in[0] * in[1]; };
  auto aug = kinase::augmented_primal(g, Duplicated(x, dx), Duplicated(y, dy));
  EXPECT_DOUBLE_EQ(y[0], 2.0);
  kinase::reverse(aug.tape);
  EXPECT_DOUBLE_EQ(dx[0], 2.0);
  EXPECT_DOUBLE_EQ(dx[1], 1.0);
  EXPECT_DOUBLE_EQ(dy[0], 0.0);  // y's initial value does not reach the output
}

TEST(Split, CheckpointedLoopAndExternalsInsideASplitTape) {
  // A split tape holds callback entries like any tape.
  auto step = [](auto u, auto p, std::size_t) {
    using T = std::remove_cvref_t<decltype(u[0])>;
    T next = u[0] * p[0];
    u[0] = next;
  };
  std::vector<double> p{1.001}, dp{0.0};
  auto aug = kinase::augmented_primal(
      [&](auto& params) {
        using S = std::remove_cvref_t<decltype(params[0])>;
        std::vector<S> u{S(1.0)};
        kinase::checkpointed_loop(100, u, params, step, kinase::revolve(3));
        S r = u[0];
        return r;
      },
      Duplicated(p, dp));
  kinase::reverse(aug.tape);
  EXPECT_NEAR(dp[0], 100 * std::pow(1.001, 99), 1e-10);
}

}  // namespace
