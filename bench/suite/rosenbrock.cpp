// The suite's Rosenbrock problem (B1's function, bench/rosenbrock.hpp): the gradient of the extended Rosenbrock
// function at n = 10⁴, 10⁵ and 10⁶ (10⁵ only in a quick run). It has no ADBench reference: every tool is checked
// against the hand-written gradient (the "manual" row), with ADBench's measure.
// Tools: Kinase's tape; ADOL-C (taped per call, and reused); Sacado's reverse mode; Ceres' Jet and Eigen's
// AutoDiffScalar in forward mode (32 lanes: one pass per 32 inputs, so skipped beyond the time limit).
#include "rosenbrock.hpp"

#include <algorithm>
#include <chrono>
#include <kinase/kinase.hpp>
#include <memory>
#include <string>
#include <vector>

#include "adbench/gmm_io.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

constexpr int kForwardLanes = 32;

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

template <class L>
Tool rosenbrock_forward_tool(const char* name, const std::vector<double>& x, const std::vector<double>& want,
                             double f_want, std::vector<double>& grad) {
  auto f = [](const std::vector<typename L::S>& p) { return bench::rosenbrock(p); };
  Tool t;
  t.name = name;
  t.note = "forward mode, " + std::to_string(L::lanes) + " lanes, " + std::to_string(forward_passes<L>(x.size())) +
           " passes";
  t.predict_s = [f, &x, &grad] {
    const auto start = std::chrono::steady_clock::now();
    forward_gradient<L>(f, x, grad.data(), 1);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
           static_cast<double>(forward_passes<L>(x.size()));
  };
  t.check = [f, &x, &grad, &want, f_want] {
    const double y = forward_gradient<L>(f, x, grad.data());
    return std::max(adbench::adbench_difference(y, f_want), worst_difference(grad, want));
  };
  t.run = [f, &x, &grad](std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      bench::escape(x.data());
      forward_gradient<L>(f, x, grad.data());
      bench::escape(grad.data());
    }
  };
  return t;
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

    const auto gradient_check = [&](double y) {
      return std::max(adbench::adbench_difference(y, f_want), worst_difference(grad, want));
    };
    const auto repeat = [&](auto&& once) {
      return [&grad, &x, once](std::size_t count) {
        for (std::size_t k = 0; k < count; ++k) {
          bench::escape(x.data());
          once();
          bench::escape(grad.data());
        }
      };
    };
    const auto objective = [](const auto& p) { return bench::rosenbrock(p); };

    std::vector<Tool> tools;
    tools.push_back({"kinase",
                     [&] {
                       const auto r = kinase::gradient(kinase::ReverseWithPrimal, objective, x);
                       grad = r.derivative;
                       return gradient_check(r.primal);
                     },
                     repeat([&] { grad = kinase::gradient(kinase::Reverse, objective, x); }),
                     {},
                     "reverse tape (kinase::gradient)"});
    auto adolc = std::make_shared<AdolcGradient>(short{51}, n,
                                                 [](const std::vector<adouble>& p) { return bench::rosenbrock(p); });
    tools.push_back({"adolc",
                     [&, adolc] { return gradient_check(adolc->record_and_sweep(x, grad.data())); },
                     repeat([&, adolc] { adolc->record_and_sweep(x, grad.data()); }),
                     {},
                     "taped at every call"});
    tools.push_back({"adolc-reuse",
                     [&, adolc] { return gradient_check(adolc->replay(x, grad.data())); },
                     repeat([&, adolc] { adolc->replay(x, grad.data()); }),
                     {},
                     "taped once, replayed (zos_forward + fos_reverse)"});
    tools.push_back({"sacado",
                     [&] { return gradient_check(sacado_gradient(objective, x, grad.data())); },
                     repeat([&] { sacado_gradient(objective, x, grad.data()); }),
                     {},
                     "Sacado::Rad reverse mode"});
    tools.push_back(rosenbrock_forward_tool<JetLanes<kForwardLanes>>("ceres-jet", x, want, f_want, grad));
    tools.push_back(rosenbrock_forward_tool<EigenLanes<kForwardLanes>>("eigen-autodiff", x, want, f_want, grad));
    tools.push_back({"manual",
                     [&] { return gradient_check(rosenbrock_manual(x, grad.data())); },
                     repeat([&] { rosenbrock_manual(x, grad.data()); }),
                     {},
                     "hand-written gradient"});

    const Instance instance{"rosenbrock", name, static_cast<double>(n), "inputs"};
    auto measured =
        measure_instance(config, instance, adbench::adbench_difference(bench::rosenbrock(x), f_want), repeat([&] {
                           const double y = bench::rosenbrock(x);
                           bench::escape(&y);
                         }),
                         std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
