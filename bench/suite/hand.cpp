// The suite's hand-tracking problems: ADBench's dense 3N × 26 (simple) or 3N × 28 (complicated) Jacobian of the hand
// model's residuals (adbench/hand.hpp), on the small (544 vertices) and big (10 000 vertices) models.
// Tools: Kinase's forward lanes (all columns in one pass) and reverse tape (8 rows per sweep); ADOL-C's jacobian
// driver, taped per call or once and replayed; Sacado's SFad, Ceres' Jet and Eigen's AutoDiffScalar with one lane per
// column. ADBench's hand-written hand Jacobian is not reproduced here.
#include "adbench/hand.hpp"

#include <algorithm>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <memory>
#include <string>
#include <vector>

#include "adbench/hand_io.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

namespace ad = kinase::adbench;

/// The forward-mode peers for one column count (26 or 28 lanes).
template <int N>
void add_forward_peers(std::vector<Tool>& tools, const ad::HandInput& input, const std::vector<double>& x,
                       std::vector<double>& jac, const ad::HandExpected& expected) {
  const auto peer = [&](const char* name, auto lanes, const char* note) {
    using L = decltype(lanes);
    auto compute = [&input, &x, &jac] { forward_jacobian<L>(ad::HandResiduals{&input}, x.data(), jac.data()); };
    tools.push_back({name,
                     [compute, &jac, &expected] {
                       compute();
                       return worst_difference(jac.data(), expected.jacobian.data(), jac.size());
                     },
                     [compute, &jac](std::size_t n) {
                       for (std::size_t k = 0; k < n; ++k) {
                         compute();
                         bench::escape(jac.data());
                       }
                     },
                     {},
                     note});
  };
  peer("sacado", FadLanes<N>{}, "Sacado::Fad::SFad, one lane per column");
  peer("ceres-jet", JetLanes<N>{}, "ceres::Jet, one lane per column");
  peer("eigen-autodiff", EigenLanes<N>{}, "Eigen::AutoDiffScalar, one fixed lane per column");
}

}  // namespace

std::vector<Result> run_hand(const Config& config, bool complicated) {
  std::vector<Result> rows;
  const std::string problem = complicated ? "hand-complicated" : "hand-simple";
  const std::string variant = complicated ? "complicated" : "simple";
  const std::vector<std::string> instances = {variant + "_small/hand1_t26_c100", variant + "_small/hand2_t26_c192",
                                              variant + "_big/hand1_t26_c100"};
  for (const std::string& name : instances) {
    if (config.quick && name != variant + "_small/hand1_t26_c100") continue;
    const std::filesystem::path relative = std::filesystem::path("hand") / (name + ".txt");
    if (!config.wants_instance(name) || !std::filesystem::exists(config.data / relative) ||
        !ad::has_hand_expected(config.data, relative))
      continue;
    progress("[" + problem + " " + name + "] reading");
    const ad::HandInput input = ad::read_hand(config.data / relative, complicated);
    const std::size_t points = input.point_count(), cols = input.jacobian_cols();
    const ad::HandExpected expected = ad::read_hand_expected(config.data, relative, points, cols);
    const std::vector<double> x = ad::hand_jacobian_point(input);
    std::vector<double> jac(3 * points * cols);

    const auto check_matrix = [&](const Matrix<double>& m) {
      return worst_difference(m.data(), expected.jacobian.data(), 3 * points * cols);
    };
    const auto kinase_tool = [&](const char* name_, auto compute, const char* note) {
      return Tool{name_,
                  [=] { return check_matrix(compute()); },
                  [=](std::size_t n) {
                    for (std::size_t k = 0; k < n; ++k) {
                      const Matrix<double> m = compute();
                      bench::escape(m.data());
                    }
                  },
                  {},
                  note};
    };
    std::vector<Tool> tools;
    tools.push_back(kinase_tool(
        "kinase-fwd", [&] { return ad::hand_jacobian_forward(input); }, "forward mode, one lane per column"));
    tools.push_back(kinase_tool(
        "kinase-rev", [&] { return ad::hand_jacobian_reverse(input); }, "reverse tape, 8 rows per sweep"));

    auto adolc = std::make_shared<AdolcJacobian>(
        static_cast<short>(complicated ? 32 : 31), cols, 3 * points,
        [&input](const std::vector<adouble>& v) { return ad::HandResiduals{&input}(v); });
    for (const bool reuse : {false, true}) {
      tools.push_back({reuse ? "adolc-reuse" : "adolc",
                       [&, adolc, reuse] {
                         adolc->evaluate(x, jac.data(), reuse);
                         return worst_difference(jac.data(), expected.jacobian.data(), jac.size());
                       },
                       [&, adolc, reuse](std::size_t n) {
                         for (std::size_t k = 0; k < n; ++k) {
                           adolc->evaluate(x, jac.data(), reuse);
                           bench::escape(jac.data());
                         }
                       },
                       {},
                       reuse ? "jacobian driver, one tape replayed" : "jacobian driver, taped per call"});
    }
    if (complicated)
      add_forward_peers<ad::kHandThetas + 2>(tools, input, x, jac, expected);
    else
      add_forward_peers<ad::kHandThetas>(tools, input, x, jac, expected);

    const std::vector<double> residuals = ad::hand_objective(input);
    const double primal_error = worst_difference(residuals, expected.residuals);
    const Instance instance{problem, name, static_cast<double>(input.model.vertex_count() + points),
                            "vertices + points"};
    auto measured = measure_instance(
        config, instance, primal_error,
        [&](std::size_t n) {
          for (std::size_t k = 0; k < n; ++k) {
            const std::vector<double> r = ad::hand_objective(input);
            bench::escape(r.data());
          }
        },
        std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
