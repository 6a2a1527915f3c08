// The suite's GMM problem: the gradient of ADBench's GMM objective (adbench/gmm.hpp) on every gmm/1k instance.
// Tools: Kinase's tape; ADOL-C (taped per call, and reused); Sacado's reverse mode; Ceres' Jet and Eigen's
// AutoDiffScalar in forward mode (32 lanes, one pass per 32 parameters: far behind here, and skipped when the
// predicted time passes the limit); ADBench's hand-written gradient (adbench/gmm_manual.hpp) as the floor.
#include "adbench/gmm.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

#include "adbench/gmm_io.hpp"
#include "adbench/gmm_manual.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

namespace ad = kinase::adbench;
constexpr int kForwardLanes = 32;

/// The instances, smallest first: gmm/1k/*.txt (n = 1000), or only d10_K25 (B2's) in a quick run.
std::vector<std::filesystem::path> gmm_instances(const Config& config) {
  std::vector<std::filesystem::path> found;
  const std::filesystem::path folder = config.data / "gmm" / "1k";
  if (!std::filesystem::is_directory(folder)) return found;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".txt")
      found.push_back(std::filesystem::path("gmm") / "1k" / entry.path().filename());
  std::sort(found.begin(), found.end());
  if (config.quick) std::erase_if(found, [](const std::filesystem::path& p) { return p.stem() != "gmm_d10_K25"; });
  return found;
}

/// Seconds of one call of `f`.
template <class F>
double time_once(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <class L>
Tool forward_tool(const char* name, const ad::GmmInput& input, const std::vector<double>& x,
                  const ad::GmmExpected& expected, std::vector<double>& grad) {
  auto f = [&input](const std::vector<typename L::S>& p) { return ad::gmm_objective(input, p.data()); };
  Tool t;
  t.name = name;
  t.note = "forward mode, " + std::to_string(L::lanes) + " lanes, " + std::to_string(forward_passes<L>(x.size())) +
           " passes";
  t.predict_s = [f, &x, &grad] {
    return time_once([&] { forward_gradient<L>(f, x, grad.data(), 1); }) *
           static_cast<double>(forward_passes<L>(x.size()));
  };
  t.check = [f, &x, &grad, &expected] {
    const double y = forward_gradient<L>(f, x, grad.data());
    return std::max(ad::adbench_difference(y, expected.objective), worst_difference(grad, expected.gradient));
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

std::vector<Result> run_gmm(const Config& config) {
  std::vector<Result> rows;
  for (const std::filesystem::path& relative : gmm_instances(config)) {
    const std::string name = relative.stem().string().substr(4);  // d10_K25
    if (!config.wants_instance(name) || !ad::has_gmm_expected(config.data, relative)) continue;
    progress("[gmm " + name + "] reading");
    const ad::GmmInput input = ad::read_gmm_input(config.data / relative);
    const std::size_t count = ad::gmm_parameter_count(input);
    const ad::GmmExpected expected = ad::read_gmm_expected(config.data, relative, count);
    const std::vector<double> x = ad::gmm_parameters(input);
    std::vector<double> grad(count);

    const auto gradient_check = [&](double y) {
      return std::max(ad::adbench_difference(y, expected.objective), worst_difference(grad, expected.gradient));
    };
    const auto repeat = [&](auto&& once) {
      return [&grad, &x, once](std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) {
          bench::escape(x.data());
          once();
          bench::escape(grad.data());
        }
      };
    };
    const auto objective = [&input](const auto& p) { return ad::gmm_objective(input, p.data()); };

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
    auto adolc = std::make_shared<AdolcGradient>(
        short{11}, count, [&input](const std::vector<adouble>& p) { return ad::gmm_objective(input, p.data()); });
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
    tools.push_back(forward_tool<JetLanes<kForwardLanes>>("ceres-jet", input, x, expected, grad));
    tools.push_back(forward_tool<EigenLanes<kForwardLanes>>("eigen-autodiff", input, x, expected, grad));
    tools.push_back({"manual",
                     [&] { return gradient_check(ad::gmm_objective_and_gradient(input, x.data(), grad.data())); },
                     repeat([&] { ad::gmm_objective_and_gradient(input, x.data(), grad.data()); }),
                     {},
                     "ADBench's hand-written gradient"});

    const double primal_error = ad::adbench_difference(ad::gmm_objective(input, x.data()), expected.objective);
    const Instance instance{"gmm", name, static_cast<double>(count), "parameters"};
    auto measured = measure_instance(config, instance, primal_error, repeat([&] {
                                       const double y = ad::gmm_objective(input, x.data());
                                       bench::escape(&y);
                                     }),
                                     std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
