// The suite's GMM problem: the gradient of ADBench's GMM objective (adbench/gmm.hpp) on every gmm/1k instance.
// Tools: those of gradient_tools.hpp (Kinase's tape; ADOL-C taped per call and reused; Sacado's reverse mode; Ceres'
// Jet and Eigen's AutoDiffScalar in forward mode, far behind here and skipped when their predicted time passes the
// limit), and ADBench's hand-written gradient (adbench/gmm_manual.hpp) as the floor.
#include "adbench/gmm.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "adbench/gmm_io.hpp"
#include "adbench/gmm_loops.hpp"
#include "adbench/gmm_manual.hpp"
#include "suite/gradient_tools.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

namespace ad = kinase::adbench;

/// The instances, by name: gmm/1k/*.txt (n = 1000), or only d10_K25 (B2's) in a quick run.
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
    const GradientCase c{&x, &grad, expected.objective, &expected.gradient, short{11}};

    std::vector<Tool> tools = gradient_tools([&input](const auto& p) { return ad::gmm_objective(input, p.data()); }, c);
#ifdef KINASE_BENCH_COMPILED
    // The objective written with kinase::for_range over the points (adbench/gmm_loops.hpp), the points an argument.
    auto loops = [&input](const auto& p, const auto& data) { return ad::gmm_objective_loops(input, p, data); };
    tools.push_back(compiled_gradient_tool("kinase-compiled", 2, loops, c, &input.x));
    tools.push_back(compiled_gradient_tool("kinase-compiled-O1", 1, loops, c, &input.x));
#endif
    tools.push_back({"manual",
                     [&] { return c.check(ad::gmm_objective_and_gradient(input, x.data(), grad.data())); },
                     c.repeat([&] { ad::gmm_objective_and_gradient(input, x.data(), grad.data()); }),
                     {},
                     "ADBench's hand-written gradient"});

    const double primal_error = ad::adbench_difference(ad::gmm_objective(input, x.data()), expected.objective);
    const Instance instance{"gmm", name, static_cast<double>(count), "parameters"};
    auto measured = measure_instance(config, instance, primal_error, c.repeat([&] {
      const double y = ad::gmm_objective(input, x.data());
      bench::escape(&y);
    }),
                                     std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
