// The suite's LSTM problem: the gradient of ADBench's LSTM objective (adbench/lstm.hpp) on lstm_l2_c1024 (2 layers,
// 1024 characters, 14 bits: 266 parameters), with the tools of gradient_tools.hpp. ADBench's hand-written LSTM
// gradient is not reproduced here.
#include "adbench/lstm.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "adbench/lstm_io.hpp"
#include "suite/gradient_tools.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {

std::vector<Result> run_lstm(const Config& config) {
  namespace ad = kinase::adbench;
  std::vector<Result> rows;
  for (const char* file : {"lstm_l2_c1024"}) {
    const std::string name = file;
    const std::filesystem::path relative = std::filesystem::path("lstm") / (name + ".txt");
    if (!config.wants_instance(name) || !std::filesystem::exists(config.data / relative) ||
        !ad::has_lstm_expected(config.data, relative))
      continue;
    progress("[lstm " + name + "] reading");
    const ad::LstmInput input = ad::read_lstm(config.data / relative);
    const std::size_t count = ad::lstm_parameter_count(input);
    const ad::LstmExpected expected = ad::read_lstm_expected(config.data, relative, count);
    const std::vector<double> x = ad::lstm_parameters(input);
    std::vector<double> grad(count);
    const GradientCase c{&x, &grad, expected.objective, &expected.gradient, short{41}};

    std::vector<Tool> tools = gradient_tools([&input](const auto& p) { return ad::lstm_objective_flat(input, p); }, c);

    const double primal_error = ad::adbench_difference(ad::lstm_objective_flat(input, x), expected.objective);
    const Instance instance{"lstm", name, static_cast<double>(count), "parameters"};
    auto measured = measure_instance(config, instance, primal_error, c.repeat([&] {
      const double y = ad::lstm_objective_flat(input, x);
      bench::escape(&y);
    }),
                                     std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
