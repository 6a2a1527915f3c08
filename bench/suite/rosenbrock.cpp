// The suite's Rosenbrock problem (B1's function, bench/rosenbrock.hpp): the gradient of the extended Rosenbrock
// function at n = 10⁴, 10⁵ and 10⁶ (10⁵ only in a quick run), with the tools of gradient_tools.hpp and a hand-written
// gradient. It has no ADBench reference: every tool is checked against the hand-written gradient, with ADBench's
// measure.
#include "rosenbrock.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "suite/gradient_tools.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

/// The hand-written gradient; returns f.
double rosenbrock_manual(const std::vector<double>& x, double* g) {
  const std::size_t n = x.size();
  double f = 0.0;
  std::fill(g, g + n, 0.0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
    f += 100.0 * a * a + b * b;
    g[i] += -400.0 * a * x[i] - 2.0 * b;
    g[i + 1] += 200.0 * a;
  }
  return f;
}

}  // namespace

std::vector<Result> run_rosenbrock(const Config& config) {
  std::vector<Result> rows;
  const std::vector<std::size_t> sizes =
      config.quick ? std::vector<std::size_t>{100000} : std::vector<std::size_t>{10000, 100000, 1000000};
  for (const std::size_t n : sizes) {
    const std::string name = "n" + std::to_string(n);
    if (!config.wants_instance(name)) continue;
    const std::vector<double> x = bench::rosenbrock_point(n);
    std::vector<double> want(n), grad(n);
    const double f_want = rosenbrock_manual(x, want.data());
    const GradientCase c{&x, &grad, f_want, &want, short{51}};

    std::vector<Tool> tools = gradient_tools([](const auto& p) { return bench::rosenbrock(p); }, c);
#ifdef KINASE_BENCH_COMPILED
    auto loop = [](const auto& p) { return bench::rosenbrock_loop(p); };
    tools.push_back(compiled_gradient_tool("kinase-compiled", 2, loop, c));
    tools.push_back(compiled_gradient_tool("kinase-compiled-O1", 1, loop, c));
#endif
    tools.push_back({"manual",
                     [&] { return c.check(rosenbrock_manual(x, grad.data())); },
                     c.repeat([&] { rosenbrock_manual(x, grad.data()); }),
                     {},
                     "hand-written gradient"});

    const Instance instance{"rosenbrock", name, static_cast<double>(n), "inputs"};
    auto measured =
        measure_instance(config, instance, adbench::adbench_difference(bench::rosenbrock(x), f_want), c.repeat([&] {
          const double y = bench::rosenbrock(x);
          bench::escape(&y);
        }),
                         std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
