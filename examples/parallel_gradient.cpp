// A parallel gradient of a sum over data: the least-squares misfit of a model over N = 200000 points,
// Σᵢ (model(x, tᵢ) − yᵢ)², by kinase::parallel_gradient with 1 and 2 threads. Each thread records its share of the
// terms on its own tape. The two gradients must agree (the per-thread results are added in thread order), and both
// must match the hand-written gradient.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <type_traits>
#include <utility>
#include <vector>

constexpr std::size_t kPoints = 200000;

// model(x, t) = x₀ exp(−x₁ t) + x₂ sin(x₃ t)
auto model = [](const auto& x, double t) {
  using std::exp;
  using std::sin;
  return x[0] * exp(-x[1] * t) + x[2] * sin(x[3] * t);
};

int main() {
  // Data from known parameters and a deterministic perturbation.
  const std::vector<double> truth{2.0, 0.5, 0.7, 3.0};
  std::vector<double> t(kPoints), y(kPoints);
  for (std::size_t i = 0; i < kPoints; ++i) {
    t[i] = 10.0 * double(i) / double(kPoints);
    y[i] = model(truth, t[i]) + 0.01 * std::sin(12.9898 * double(i));
  }

  // The term reads the shared data and writes nothing shared, so it may run on several threads at once.
  auto term = [&](const auto& x, std::size_t i) {
    using S = std::decay_t<decltype(x[0])>;
    const S r = model(x, t[i]) - y[i];
    return S(r * r);
  };

  const std::vector<double> x{1.8, 0.45, 0.8, 2.9};
  auto timed = [&](std::size_t threads) {
    const auto start = std::chrono::steady_clock::now();
    auto result = kinase::parallel_gradient(term, x, kPoints, threads);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return std::pair{result, ms};
  };
  // Warm up: the calling thread's tape and the worker's (Kinase keeps its worker threads, and so their tapes,
  // between calls). Then the best of five calls for each thread count.
  timed(1);
  timed(2);
  auto best = [&](std::size_t threads) {
    auto r = timed(threads);
    for (int k = 0; k < 4; ++k) {
      auto again = timed(threads);
      if (again.second < r.second) r = std::move(again);
    }
    return r;
  };
  const auto [one, ms1] = best(1);
  const auto [two, ms2] = best(2);

  // By hand: ∂/∂xⱼ Σ rᵢ² = Σ 2 rᵢ ∂model/∂xⱼ.
  std::vector<double> expected(4, 0.0);
  for (std::size_t i = 0; i < kPoints; ++i) {
    const double e = std::exp(-x[1] * t[i]), s = std::sin(x[3] * t[i]);
    const double r = x[0] * e + x[2] * s - y[i];
    const double d[4] = {e, -x[0] * t[i] * e, s, x[2] * t[i] * std::cos(x[3] * t[i])};
    for (int j = 0; j < 4; ++j) expected[j] += 2 * r * d[j];
  }

  int failures = 0;
  std::printf("f(x) = %.12f (1 thread), %.12f (2 threads)\n", one.primal, two.primal);
  std::printf("%3s %22s %22s %22s\n", "j", "1 thread", "2 threads", "by hand");
  for (int j = 0; j < 4; ++j) {
    std::printf("%3d %22.12f %22.12f %22.12f\n", j, one.derivative[j], two.derivative[j], expected[j]);
    const double scale = std::abs(one.derivative[j]);
    if (std::abs(one.derivative[j] - two.derivative[j]) > 1e-12 * scale ||
        std::abs(one.derivative[j] - expected[j]) > 1e-10 * scale) {
      std::printf("MISMATCH in component %d\n", j);
      ++failures;
    }
  }
  if (std::abs(one.primal - two.primal) > 1e-12 * one.primal) {
    std::printf("MISMATCH in the value\n");
    ++failures;
  }
  std::printf("wall time (best of 5): 1 thread %.1f ms, 2 threads %.1f ms, speed-up %.2f\n", ms1, ms2, ms1 / ms2);
  return failures ? 1 : 0;
}
