// The compiled engine: the seed's examples through kinase::compile, then a loop kept as a loop (the extended
// Rosenbrock function of B1), its gradient, Hessian-vector product and IR. The program exits non-zero if a value
// differs from the seed's or from the tape's.
#include <cmath>
#include <cstdio>
#include <kinase/compiled.hpp>
#include <vector>

using namespace kinase;

auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};

// for_range keeps the loop a loop in the trace; on double, Dual and the tape it is a plain loop.
auto extended_rosenbrock = [](const auto& x) {
  using T = std::remove_cvref_t<decltype(x[0])>;
  const auto n = static_cast<std::int64_t>(x.size());
  return for_range(0, n - 1, T(0.0), [&](auto i, const T& acc) {
    const T a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
    return T(acc + 100.0 * a * a + b * b);
  });
};

int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) std::printf("  differs: %s\n", what), ++failures;
}

int main() {
  auto cf = compile(rosenbrock, 1.0, 2.0);  // traced once, compiled by LLVM (or interpreted without it)
  const auto r1 = autodiff(Reverse, cf, Active{}, Active(1.0), Active(2.0));
  std::printf("autodiff(Reverse, compile(rosenbrock, 1.0, 2.0), Active{}, Active(1.0), Active(2.0)) -> (%g, %g)\n",
              r1.derivatives[0], r1.derivatives[1]);
  expect(r1.derivatives[0] == -400 && r1.derivatives[1] == 200, "reverse");
  const auto r2 = autodiff(Forward, cf, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0));
  std::printf("autodiff(Forward, ..., Duplicated{}, Const(1.0), Duplicated(3.0, 1.0)) -> (%g, %g)\n", r2.primal,
              r2.derivative);
  expect(r2.primal == 400 && r2.derivative == 400, "forward");

  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  auto ci = compile(rosenbrock_inp, x);
  autodiff(Reverse, ci, Active{}, Duplicated(x, dx));
  std::printf("autodiff(Reverse, compile(rosenbrock_inp, x), Active{}, Duplicated(x, dx)) -> dx = (%g, %g)\n", dx[0],
              dx[1]);
  expect(dx[0] == -400 && dx[1] == 200, "duplicated");
  const auto g = gradient(Reverse, ci, {1.0, 2.0});
  const auto h = hessian(ci, {1.0, 2.0});
  std::printf("gradient -> (%g, %g), hessian -> [[%g, %g], [%g, %g]]\n", g[0], g[1], h(0, 0), h(0, 1), h(1, 0),
              h(1, 1));
  expect(g[0] == -400 && g[1] == 200 && h(0, 0) == 402 && h(0, 1) == -400 && h(1, 1) == 200, "second order");

  std::vector<double> xs(1000);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 1.0 + 0.5 * std::sin(0.37 * static_cast<double>(i));
  auto ce = compile(extended_rosenbrock, xs);
  const auto ge = gradient(Reverse, ce, xs);
  const auto gt = gradient(Reverse, extended_rosenbrock, xs);  // the tape, for comparison
  double worst = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) worst = std::max(worst, std::abs(ge[i] - gt[i]) / (1 + std::abs(gt[i])));
  std::printf("extended Rosenbrock, n = 1000: f = %.10g, gradient differs from the tape's by %.1e (relative)\n", ce(xs),
              worst);
  expect(worst < 1e-13, "loop gradient");
  const auto stats = ce.stats();
  std::printf("compiled in %.1f ms (trace %.1f, passes %.1f, code generation %.1f) for %zu program(s)\n",
              1e3 * stats.total_seconds(), 1e3 * stats.trace_seconds, 1e3 * stats.transform_seconds,
              1e3 * stats.codegen_seconds, stats.programs.size());
  std::printf("its trace:\n%s", ce.ir().c_str());

  if (failures) std::printf("%d value(s) differ\n", failures);
  return failures ? 1 : 0;
}
