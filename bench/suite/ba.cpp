// The suite's BA problem: ADBench's sparse bundle-adjustment Jacobian (adbench/ba.hpp) on ba1 and ba2: per
// observation a 2 × 15 block (camera, point, weight) and one weight entry, in ADBench's CSR layout.
// Tools: Kinase's forward lanes (15) and reverse tape (both rows swept at once); ADOL-C's jacobian driver on each
// block, taped per observation or once and replayed; Sacado's SFad, Ceres' Jet and Eigen's AutoDiffScalar with 15
// lanes; a hand-written Jacobian (adbench/ba_manual.hpp) as the floor.
#include "adbench/ba.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adbench/ba_io.hpp"
#include "adbench/ba_manual.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {
namespace {

namespace ad = kinase::adbench;
constexpr int kBlock = ad::kBaBlockParams;  // 15 inputs per observation

/// The largest ADBench difference between a Jacobian and the compact reference (every observation's block and
/// weight entry); throws when the structure differs from ADBench's.
double ba_difference(const ad::BaInput& in, const ad::BaSparseJacobian& jac, const ad::BaCompactExpected& e) {
  if (jac.nrows != e.nrows || jac.ncols != e.ncols || jac.rows.size() != static_cast<std::size_t>(e.nrows) + 1 ||
      jac.rows.back() != e.nnz || jac.vals.size() != static_cast<std::size_t>(e.nnz))
    throw std::runtime_error("the Jacobian's shape differs from ADBench's");
  double worst = 0.0;
  const auto p = static_cast<std::size_t>(in.p);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t r = 0; r < 2; ++r)
      worst = std::max(worst, worst_difference(jac.vals.data() + (2 * i + r) * kBlock, e.block[r].data(), kBlock));
  const double* weights = jac.vals.data() + 2 * p * kBlock;
  for (std::size_t i = 0; i < p; ++i) worst = std::max(worst, ad::adbench_difference(weights[i], e.w_jac));
  return worst;
}

/// The BA Jacobian by a forward-mode peer with 15 lanes (L::lanes == 15).
template <class L>
ad::BaSparseJacobian forward_peer_jacobian(const ad::BaInput& in) {
  using S = typename L::S;
  return ad::detail::ba_jacobian(
      in,
      [&](std::size_t i, const std::array<double, kBlock>& x, double* vals) {
        const double* feat = in.feats.data() + 2 * i;
        forward_jacobian<L>(
            [feat](const std::vector<S>& v) {
              std::array<S, 2> err;
              ad::ba_reprojection(v.data(), v.data() + ad::kBaCameraParams, v[kBlock - 1], feat, err.data());
              return err;
            },
            x.data(), vals);
      },
      [](double w) { return L::tangent(ad::ba_weight_error(L::seeded(w, 0)), 0); });
}

/// ADOL-C on the blocks: one tape for the reprojection residuals (15 → 2) and one for the weight (1 → 1).
struct AdolcBa {
  AdolcBa(short tag, const ad::BaInput& in)
      : input(&in),
        block(tag, kBlock, 2,
              [this](const std::vector<adouble>& v) {
                std::vector<adouble> err(2);
                ad::ba_reprojection(v.data(), v.data() + ad::kBaCameraParams, v[kBlock - 1], feat, err.data());
                return err;
              }),
        weight(static_cast<short>(tag + 1), 1, 1,
               [](const std::vector<adouble>& v) { return std::vector<adouble>{ad::ba_weight_error(v[0])}; }) {}

  ad::BaSparseJacobian jacobian(bool reuse) {
    return ad::detail::ba_jacobian(
        *input,
        [&](std::size_t i, const std::array<double, kBlock>& x, double* vals) {
          feat = input->feats.data() + 2 * i;  // read by the recording, when there is one
          block.evaluate(std::vector<double>(x.begin(), x.end()), vals, reuse);
        },
        [&](double w) {
          double d = 0.0;
          weight.evaluate({w}, &d, reuse);
          return d;
        });
  }

  const ad::BaInput* input;
  const double* feat = nullptr;
  AdolcJacobian block;
  AdolcJacobian weight;
};

}  // namespace

std::vector<Result> run_ba(const Config& config) {
  std::vector<Result> rows;
  for (const char* file : {"ba1_n49_m7776_p31843", "ba2_n21_m11315_p36455"}) {
    const std::string name = file;
    if (config.quick && name.rfind("ba1", 0) != 0) continue;
    const std::filesystem::path input_file = config.data / "ba" / (name + ".txt");
    const std::filesystem::path compact = config.data / "expected" / "ba" / (name + "_compact_Manual.txt");
    if (!config.wants_instance(name) || !std::filesystem::exists(input_file) || !std::filesystem::exists(compact))
      continue;
    progress("[ba " + name + "] reading");
    const ad::BaInput input = ad::read_ba(input_file);
    const ad::BaCompactExpected expected = ad::read_ba_compact(compact);

    ad::BaSparseJacobian jac;
    const auto tool = [&](const char* tool_name, auto compute, const char* note) {
      return Tool{tool_name,
                  [&, compute] {
                    jac = compute();
                    return ba_difference(input, jac, expected);
                  },
                  [&, compute](std::size_t n) {
                    for (std::size_t k = 0; k < n; ++k) {
                      jac = compute();
                      bench::escape(jac.vals.data());
                    }
                  },
                  {},
                  note};
    };
    auto adolc = std::make_shared<AdolcBa>(short{21}, input);
    std::vector<Tool> tools;
    tools.push_back(tool(
        "kinase-fwd", [&] { return ad::ba_jacobian_forward(input); }, "forward mode, 15 lanes per block"));
    tools.push_back(tool(
        "kinase-rev", [&] { return ad::ba_jacobian_reverse(input); }, "reverse tape per block, 2 rows at once"));
    tools.push_back(tool(
        "adolc", [&, adolc] { return adolc->jacobian(false); }, "jacobian driver, taped per block"));
    tools.push_back(tool(
        "adolc-reuse", [&, adolc] { return adolc->jacobian(true); }, "jacobian driver, one tape replayed"));
    tools.push_back(tool(
        "sacado", [&] { return forward_peer_jacobian<FadLanes<kBlock>>(input); }, "Sacado::Fad::SFad, 15 lanes"));
    tools.push_back(tool(
        "ceres-jet", [&] { return forward_peer_jacobian<JetLanes<kBlock>>(input); }, "ceres::Jet, 15 lanes"));
    tools.push_back(tool(
        "eigen-autodiff", [&] { return forward_peer_jacobian<EigenLanes<kBlock>>(input); },
        "Eigen::AutoDiffScalar, 15 fixed lanes"));
    tools.push_back(tool(
        "manual", [&] { return ad::ba_jacobian_manual(input); }, "hand-written Jacobian"));

    std::vector<double> reproj, werr;
    ad::ba_objective(input, reproj, werr);
    double primal_error = 0.0;
    for (std::size_t i = 0; i < werr.size(); ++i) {
      primal_error = std::max(primal_error, worst_difference(reproj.data() + 2 * i, expected.reproj_err.data(), 2));
      primal_error = std::max(primal_error, ad::adbench_difference(werr[i], expected.w_err));
    }
    const Instance instance{"ba", name, static_cast<double>(input.p), "observations"};
    auto measured = measure_instance(
        config, instance, primal_error,
        [&](std::size_t n) {
          for (std::size_t k = 0; k < n; ++k) {
            ad::ba_objective(input, reproj, werr);
            bench::escape(reproj.data());
            bench::escape(werr.data());
          }
        },
        std::move(tools));
    rows.insert(rows.end(), measured.begin(), measured.end());
  }
  return rows;
}

}  // namespace kinase::suite
