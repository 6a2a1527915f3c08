// Scenario (design §6.4): ADBench's GMM objective (bench/adbench/gmm.hpp) on the developer instances that have
// reference output. The objective on double, kinase's reverse gradient and the hand-written gradient must match
// ADBench's expected/ files to 1e-8 (ADBench's measure |a − b| / max(1, |a| + |b|)), and forward mode must agree
// with reverse mode. The data folder comes from the build (KINASE_ADBENCH_DIR); without it the tests are skipped.
#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

#include "adbench/gmm.hpp"
#include "adbench/gmm_io.hpp"
#include "adbench/gmm_manual.hpp"
#include "adbench_testing.hpp"

namespace {

namespace ad = kinase::adbench;

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kData = KINASE_ADBENCH_DIR;
#endif

// The small instances (at most ~1.4·10⁶ multiply-adds in the objective, so the tests stay quick under sanitizers).
const char* const kInstances[] = {"gmm/test.txt", "gmm/1k/gmm_d2_K5.txt", "gmm/1k/gmm_d2_K50.txt",
                                  "gmm/1k/gmm_d10_K5.txt", "gmm/1k/gmm_d10_K25.txt"};

struct Objective {
  const ad::GmmInput* input;
  template <class V>
  auto operator()(const V& params) const {
    return ad::gmm_objective(*input, params.data());
  }
};

using kinase::testing::expect_close;

class GmmExpected : public ::testing::TestWithParam<const char*> {};

TEST_P(GmmExpected, ObjectiveAndGradientsMatchAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::string name = GetParam();
  if (!std::filesystem::exists(kData / name) || !ad::has_gmm_expected(kData, name))
    GTEST_SKIP() << name << " or its expected output is missing under " << kData;
  const ad::GmmInput input = ad::read_gmm_input(kData / name);
  const std::vector<double> x = ad::gmm_parameters(input);
  const ad::GmmExpected expected = ad::read_gmm_expected(kData, name, x.size());

  EXPECT_LE(ad::adbench_difference(ad::gmm_objective(input, x.data()), expected.objective), 1e-8)
      << "objective on double";

  const auto reverse = kinase::gradient(kinase::ReverseWithPrimal, Objective{&input}, x);
  EXPECT_LE(ad::adbench_difference(reverse.primal, expected.objective), 1e-8) << "objective recorded on the tape";
  expect_close(reverse.derivative, expected.gradient, 1e-8, name + ": reverse gradient");

  std::vector<double> manual(x.size());
  const double value = ad::gmm_objective_and_gradient(input, x.data(), manual.data());
  EXPECT_LE(ad::adbench_difference(value, expected.objective), 1e-8) << "objective of the hand-written gradient";
  expect_close(manual, expected.gradient, 1e-8, name + ": hand-written gradient");
#endif
}

INSTANTIATE_TEST_SUITE_P(Adbench, GmmExpected, ::testing::ValuesIn(kInstances),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string s = std::filesystem::path(param.param).stem().string();
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

// Forward mode (8 lanes, 30 parameters: 4 sweeps) and reverse mode give the same gradient.
TEST(Gmm, ForwardAgreesWithReverse) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::string name = "gmm/1k/gmm_d2_K5.txt";
  if (!std::filesystem::exists(kData / name)) GTEST_SKIP() << name << " is missing under " << kData;
  const ad::GmmInput input = ad::read_gmm_input(kData / name);
  const std::vector<double> x = ad::gmm_parameters(input);
  const auto forward = kinase::gradient(kinase::ForwardWithPrimal, Objective{&input}, x);
  const auto reverse = kinase::gradient(kinase::ReverseWithPrimal, Objective{&input}, x);
  EXPECT_LE(ad::adbench_difference(forward.primal, reverse.primal), 1e-12);
  expect_close(forward.derivative, reverse.derivative, 1e-12, name + ": forward vs reverse");
#endif
}

}  // namespace
