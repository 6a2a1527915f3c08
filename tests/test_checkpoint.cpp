// Checkpointed loops: the revolve schedule against the exhaustive optimum, gradients equal to the untaped loop's for
// both policies, memory bounded by the snapshots (the statistics), parameters, nesting, and the errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

#include "op_testing.hpp"

namespace {

using kinase::testing::error_of;

// The least number of recomputed steps to reverse n steps from a held state with `free` more snapshots, by
// exhaustive search: advance to m, reverse the right part with one snapshot fewer, then the left part.
std::size_t exhaustive_cost(std::size_t n, std::size_t free, std::vector<std::vector<std::size_t>>& memo) {
  if (n <= 1) return 0;
  if (free == 0) return n * (n - 1) / 2;
  std::size_t& m = memo[n][free];
  if (m != 0) return m;
  std::size_t best = static_cast<std::size_t>(-1);
  for (std::size_t k = 1; k < n; ++k)
    best = std::min(best, k + exhaustive_cost(n - k, free - 1, memo) + exhaustive_cost(k, free, memo));
  return m = best;
}

TEST(Revolve, ClosedFormCostAndSplitsAreOptimal) {
  constexpr std::size_t N = 90, C = 7;
  std::vector<std::vector<std::size_t>> memo(N + 1, std::vector<std::size_t>(C + 1, 0));
  for (std::size_t free = 1; free <= C - 1; ++free) {
    for (std::size_t n = 2; n <= N; ++n) {
      const std::size_t best = exhaustive_cost(n, free, memo);
      EXPECT_EQ(kinase::detail::revolve_cost(n, free), best) << "n " << n << " free " << free;
      const std::size_t m = kinase::detail::revolve_split(0, n, free);
      ASSERT_TRUE(m >= 1 && m < n);
      EXPECT_EQ(m + exhaustive_cost(n - m, free - 1, memo) + exhaustive_cost(m, free, memo), best)
          << "n " << n << " free " << free << " split " << m;
    }
  }
}

// A nonlinear oscillator by explicit Euler: u = (position, velocity), p = (stiffness, damping).
struct Oscillator {
  double dt;
  template <class U, class P>
  void operator()(U u, P p, std::size_t) const {
    using T = std::remove_cvref_t<decltype(u[0])>;
    using std::sin;
    T x = u[0] + dt * u[1];
    T v = u[1] - dt * (p[0] * sin(u[0]) + p[1] * u[1]);
    u[0] = x;
    u[1] = v;
  }
};

template <class Policy>
auto loop_objective(std::size_t steps, Policy policy) {
  return [steps, policy](const auto& z) {
    using S = std::remove_cvref_t<decltype(z[0])>;
    std::vector<S> u{z[0], z[1]};
    const std::vector<S> p{z[2], z[3]};
    if constexpr (std::is_same_v<Policy, int>) {
      (void)policy;  // 0: no checkpointing, the loop taped step by step
      for (std::size_t i = 0; i < steps; ++i) Oscillator{1e-3}(std::span<S>(u), std::span<const S>(p), i);
    } else {
      kinase::checkpointed_loop(steps, u, p, Oscillator{1e-3}, policy);
    }
    S r = u[0] * u[0] + 0.5 * u[1];
    return r;
  };
}

TEST(CheckpointedLoop, GradientEqualsTheUntapedLoop) {
  const std::vector<double> z{0.4, -0.2, 3.0, 0.1};
  for (std::size_t steps : {1u, 2u, 7u, 1000u, 1013u}) {
    const auto plain = kinase::gradient(kinase::Reverse, loop_objective(steps, 0), z);
    const auto forward = kinase::gradient(kinase::Forward, loop_objective(steps, 0), z);
    for (std::size_t s : {1u, 2u, 5u, 40u}) {
      if (s == 1 && steps > 100) continue;  // quadratic recomputation: correct, but slow for the test
      kinase::CheckpointStats stats;
      const auto g = kinase::gradient(kinase::Reverse, loop_objective(steps, kinase::revolve(s, &stats)), z);
      for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_NEAR(g[i], plain[i], 1e-12 * (1 + std::abs(plain[i]))) << "revolve " << s << " steps " << steps;
        EXPECT_NEAR(g[i], forward[i], 1e-11 * (1 + std::abs(plain[i])));
      }
      EXPECT_LE(stats.max_snapshots, s);
      EXPECT_EQ(stats.taped_steps, steps);
      EXPECT_LE(stats.forward_steps, steps + kinase::detail::revolve_cost(steps, s - 1));
    }
    for (std::size_t k : {1u, 3u, 100u, 5000u}) {
      kinase::CheckpointStats stats;
      const auto g = kinase::gradient(kinase::Reverse, loop_objective(steps, kinase::every(k, &stats)), z);
      for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NEAR(g[i], plain[i], 1e-12 * (1 + std::abs(plain[i]))) << "every " << k << " steps " << steps;
      EXPECT_EQ(stats.max_snapshots, (steps + k - 1) / k);
      EXPECT_EQ(stats.forward_steps, steps);  // segments are re-run taped, not on values
      EXPECT_EQ(stats.taped_steps, steps);
    }
  }
}

TEST(CheckpointedLoop, MemoryIsBoundedBySnapshots) {
  const std::vector<double> z{0.4, -0.2, 3.0, 0.1};
  constexpr std::size_t steps = 20000;
  // The whole loop taped: its tape grows with the steps.
  kinase::Tape<double> whole;
  {
    std::vector<kinase::Real<double>> v(z.begin(), z.end());
    kinase::Recording<double> recording(whole);
    for (auto& e : v) whole.register_input(e);
    const auto r = loop_objective(steps, 0)(v);
    (void)r;
  }
  kinase::CheckpointStats stats;
  kinase::Tape<double> tape;
  {
    std::vector<kinase::Real<double>> v(z.begin(), z.end());
    kinase::Recording<double> recording(tape);
    for (auto& e : v) tape.register_input(e);
    const auto r = loop_objective(steps, kinase::revolve(10, &stats))(v);
    tape.adjoint(r) = 1.0;
    tape.evaluate();
  }
  EXPECT_EQ(tape.stats().callbacks, 1u);
  EXPECT_LT(tape.stats().statements, 16u);  // copies of the inputs, the entry, the result: not the 20000 steps
  EXPECT_LE(stats.max_snapshots, 10u);
  EXPECT_EQ(stats.snapshot_bytes, stats.max_snapshots * 2 * sizeof(double));
  // One step at a time on the private tape: its recording is 1/steps of the whole loop's.
  EXPECT_LE(stats.peak_tape_statements * steps, whole.stats().statements + 10 * steps);
  EXPECT_LT(stats.peak_tape_bytes * 1000, whole.stats().bytes_used);
}

TEST(CheckpointedLoop, NestedSecondOrder) {
  // Forward over reverse through the loop's entry: the Hessian equals the untaped loop's.
  const std::vector<double> z{0.4, -0.2, 3.0, 0.1};
  const auto h = kinase::hessian(loop_objective(300, kinase::revolve(4)), z);
  const auto he = kinase::hessian(loop_objective(300, 0), z);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(h(i, j), he(i, j), 1e-10 * (1 + std::abs(he(i, j))));
}

TEST(CheckpointedLoop, WithoutParametersAndOnValues) {
  auto step = [](auto u, std::size_t i) { u[0] = u[0] * (1.0 + 1e-3 * double(i % 3)); };
  std::vector<double> u{2.0};
  kinase::checkpointed_loop(30, u, step, kinase::revolve(3));
  double expected = 2.0;
  for (std::size_t i = 0; i < 30; ++i) expected *= 1.0 + 1e-3 * double(i % 3);
  EXPECT_DOUBLE_EQ(u[0], expected);
  const auto g = kinase::gradient(
      kinase::Reverse,
      [&](const auto& x) {
        using S = std::remove_cvref_t<decltype(x[0])>;
        std::vector<S> w{x[0]};
        kinase::checkpointed_loop(30, w, step, kinase::every(4));
        S r = w[0];
        return r;
      },
      std::vector<double>{2.0});
  EXPECT_NEAR(g[0], expected / 2.0, 1e-14);
}

TEST(CheckpointedLoop, ErrorsAndJacobianLanes) {
  std::vector<double> u{1.0};
  auto step = [](auto w, std::size_t) { w[0] = w[0] * 2.0; };
  EXPECT_EQ(error_of([&] { kinase::checkpointed_loop(3, u, step, kinase::revolve(0)); }),
            "kinase::checkpointed_loop: revolve(snapshots) needs at least 1 snapshot (the loop's initial state)");
  EXPECT_EQ(error_of([&] { kinase::checkpointed_loop(3, u, step, kinase::every(0)); }),
            "kinase::checkpointed_loop: every(k) needs k ≥ 1");
  // A Jacobian swept with two lanes at once: each lane is reversed through the loop in turn.
  auto f = [&](const auto& x) {
    using S = std::remove_cvref_t<decltype(x[0])>;
    std::vector<S> w{x[0], x[1]};
    kinase::checkpointed_loop(
        3, w, [](auto v, std::size_t) { v[0] = v[0] * v[1]; }, kinase::revolve(2));
    return w;
  };
  const auto j2 = kinase::jacobian(kinase::Reverse, f, std::vector<double>{1.0, 2.0}, kinase::chunk<2>);
  EXPECT_DOUBLE_EQ(j2(0, 0), 8.0);
  EXPECT_DOUBLE_EQ(j2(0, 1), 12.0);
  EXPECT_DOUBLE_EQ(j2(1, 0), 0.0);
  EXPECT_DOUBLE_EQ(j2(1, 1), 1.0);
  const auto j = kinase::jacobian(kinase::Reverse, f, std::vector<double>{1.0, 2.0}, kinase::chunk<1>);
  EXPECT_DOUBLE_EQ(j(0, 0), 8.0);
  EXPECT_DOUBLE_EQ(j(0, 1), 12.0);
}

}  // namespace
