// A checkpointed loop: a damped pendulum θ'' = −a sin θ − k θ' integrated by Heun's method (RK2) over 10⁵ steps.
// The gradient of J = θ(T)² + ω(T)²/2 with respect to the initial state (θ₀, ω₀) and the parameters (a, k) is taken
// with kinase::revolve(20) and kinase::every(1000), and compared with plain taping of the whole loop and with forward
// mode. The program prints what each policy held and recomputed, and the plain tape's size for contrast.
#include <cmath>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <span>
#include <utility>
#include <vector>

constexpr std::size_t kSteps = 100000;
constexpr double kDt = 1e-4;

// One step, generic: it runs on values and on the tape's Reals. u = (θ, ω), p = (a, k).
auto heun_step = [](auto u, auto p, std::size_t) {
  using T = std::remove_cvref_t<decltype(u[0])>;
  using std::sin;
  const T th = u[0], om = u[1];
  const T k1t = om, k1o = -p[0] * sin(th) - p[1] * om;
  const T th2 = th + kDt * k1t, om2 = om + kDt * k1o;
  const T k2t = om2, k2o = -p[0] * sin(th2) - p[1] * om2;
  u[0] = th + 0.5 * kDt * (k1t + k2t);
  u[1] = om + 0.5 * kDt * (k1o + k2o);
};

// J(x) with x = (θ₀, ω₀, a, k), the loop run by `loop(u, p)`.
template <class Loop>
auto objective(Loop loop) {
  return [loop](const auto& x) {
    using S = std::decay_t<decltype(x[0])>;
    std::vector<S> u{x[0], x[1]}, p{x[2], x[3]};
    loop(u, p);
    S J = u[0] * u[0] + 0.5 * u[1] * u[1];
    return J;
  };
}

void print(const char* name, const kinase::CheckpointStats& s) {
  std::printf("%-9s max_snapshots %zu, snapshot_bytes %zu, forward_steps %zu, taped_steps %zu, peak_tape_bytes %zu\n",
              name, s.max_snapshots, s.snapshot_bytes, s.forward_steps, s.taped_steps, s.peak_tape_bytes);
}

int main() {
  const std::vector<double> x{1.0, 0.0, 9.81, 0.3};
  kinase::CheckpointStats stats, stats2, stats_forward;

  const auto plain = objective([](auto& u, auto& p) {
    for (std::size_t i = 0; i < kSteps; ++i) heun_step(std::span(u), std::span(std::as_const(p)), i);
  });
  const auto binomial = objective(
      [&](auto& u, auto& p) { kinase::checkpointed_loop(kSteps, u, p, heun_step, kinase::revolve(20, &stats)); });
  const auto segments = objective(
      [&](auto& u, auto& p) { kinase::checkpointed_loop(kSteps, u, p, heun_step, kinase::every(1000, &stats2)); });

  const auto g_plain = kinase::gradient(kinase::Reverse, plain, x);
  const auto g_revolve = kinase::gradient(kinase::Reverse, binomial, x);
  const auto g_every = kinase::gradient(kinase::Reverse, segments, x);
  // With Duals the loop runs straight through: nothing is taped, so nothing is checkpointed.
  const auto g_forward =
      kinase::gradient(kinase::Forward, objective([&](auto& u, auto& p) {
                         kinase::checkpointed_loop(kSteps, u, p, heun_step, kinase::revolve(20, &stats_forward));
                       }),
                       x);

  std::printf("J = %.15f\n", plain(x));
  std::printf("%-10s %20s %20s %20s %20s\n", "", "dJ/dtheta0", "dJ/domega0", "dJ/da", "dJ/dk");
  const std::pair<const char*, const std::vector<double>*> rows[] = {
      {"plain", &g_plain}, {"revolve", &g_revolve}, {"every", &g_every}, {"forward", &g_forward}};
  int failures = 0;
  for (const auto& [name, g] : rows) {
    std::printf("%-10s %20.14f %20.14f %20.14f %20.14f\n", name, (*g)[0], (*g)[1], (*g)[2], (*g)[3]);
    for (int j = 0; j < 4; ++j)
      if (std::abs((*g)[j] - g_plain[j]) > 1e-10 * std::abs(g_plain[j])) {
        std::printf("MISMATCH: %s component %d differs from plain taping\n", name, j);
        ++failures;
      }
  }
  print("revolve:", stats);
  print("every:", stats2);
  print("forward:", stats_forward);

  // The plain loop on a tape of our own, for its size.
  kinase::Tape<double> tape;
  {
    kinase::Recording<double> recording(tape);
    std::vector<kinase::Real<double>> xr(x.begin(), x.end());
    for (auto& xi : xr) tape.register_input(xi);
    const kinase::Real<double> J = plain(xr);
  }
  const std::size_t plain_bytes = tape.stats().bytes_used;
  std::printf("plain tape: %zu statements, %zu bytes; revolve holds %zu bytes (tape + snapshots), every %zu\n",
              tape.stats().statements, plain_bytes, stats.peak_tape_bytes + stats.snapshot_bytes,
              stats2.peak_tape_bytes + stats2.snapshot_bytes);

  // Griewank's bound for c = 20 states: t is the least number with C(c + t, t) ≥ n, and reversing the loop
  // takes at most t·n − C(c + t, c + 1) steps on values beyond the primal loop (which does the schedule's first
  // descent, saving its snapshots as it passes them).
  auto binom = [](std::size_t a, std::size_t b) {
    double r = 1;
    for (std::size_t i = 1; i <= b; ++i) r = r * double(a - b + i) / double(i);
    return static_cast<std::size_t>(r + 0.5);
  };
  std::size_t t = 0;
  while (binom(20 + t, t) < kSteps) ++t;
  const std::size_t bound = t * kSteps - binom(20 + t, t - 1);
  std::printf("revolve recomputed %zu steps (t = %zu, bound t*n - beta(c+1, t-1) = %zu)\n",
              stats.forward_steps - kSteps, t, bound);
  if (stats.max_snapshots > 20 || stats.taped_steps != kSteps || stats2.taped_steps != kSteps ||
      stats.forward_steps - kSteps > bound) {
    std::printf("MISMATCH: unexpected checkpoint statistics\n");
    ++failures;
  }
  return failures ? 1 : 0;
}
