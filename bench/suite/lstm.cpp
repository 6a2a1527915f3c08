// The suite's LSTM problem: the gradient of ADBench's LSTM objective (adbench/lstm.hpp) on lstm_l2_c1024 (2 layers,
// 1024 characters, 14 bits: 266 parameters).
// Tools: Kinase's tape; ADOL-C (taped per call, and reused); Sacado's reverse mode; Ceres' Jet and Eigen's
// AutoDiffScalar in forward mode (32 lanes, one pass per 32 parameters). ADBench's hand-written LSTM gradient is not
// reproduced here.
#include "adbench/lstm.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <memory>
#include <string>
#include <vector>

#include "adbench/gmm_io.hpp"
#include "adbench/lstm_io.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

namespace ad = kinase::adbench;
constexpr int kForwardLanes = 32;

template <class L>
Tool lstm_forward_tool(const char* name, const ad::LstmInput& input, const std::vector<double>& x,
                       const ad::LstmExpected& expected, std::vector<double>& grad) {
  auto f = [&input](const std::vector<typename L::S>& p) { return ad::lstm_objective_flat(input, p); };
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

std::vector<Result> run_lstm(const Config& config) {
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
    const auto objective = [&input](const auto& p) { return ad::lstm_objective_flat(input, p); };

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
        short{41}, count, [&input](const std::vector<adouble>& p) { return ad::lstm_objective_flat(input, p); });
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
    tools.push_back(lstm_forward_tool<JetLanes<kForwardLanes>>("ceres-jet", input, x, expected, grad));
    tools.push_back(lstm_forward_tool<EigenLanes<kForwardLanes>>("eigen-autodiff", input, x, expected, grad));

    const double primal_error = ad::adbench_difference(ad::lstm_objective_flat(input, x), expected.objective);
    const Instance instance{"lstm", name, static_cast<double>(count), "parameters"};
    auto measured = measure_instance(config, instance, primal_error, repeat([&] {
                                       const double y = ad::lstm_objective_flat(input, x);
                                       bench::escape(&y);
                                     }),
                                     std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
