// Scenario: ADBench's hand-tracking problem (bench/adbench/hand.hpp), simple and complicated variants, against
// ADBench's reference output. On the unit-test instances (hand/test.txt, hand/hand_complicated.txt) and the instances
// of the small sets (simple_small and complicated_small, 544 vertices), the residuals on double must match
// <name>_F_Manual.txt and the dense Jacobians by forward mode and by reverse mode must match <name>_J_Manual.txt to
// 1e-8 (ADBench's measure |a − b| / max(1, |a| + |b|)); forward and reverse mode must agree to 1e-12 in the same
// measure, and forward mode in chunks of 8 lanes must agree with one sweep of all lanes to 1e-14 (rounding only).
// The *_big instances (10 000 vertices) are for the benchmark only. The data folder comes from the build
// (KINASE_ADBENCH_DIR); without it, or without the files, the tests are skipped.
#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <kinase/kinase.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "adbench/hand.hpp"
#include "adbench/hand_io.hpp"
#include "adbench_testing.hpp"

namespace {

namespace ad = kinase::adbench;

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kData = KINASE_ADBENCH_DIR;
#endif

[[maybe_unused]] constexpr double kTolerance = kinase::testing::kAdbenchTolerance;

using kinase::testing::expect_close;

// The same shape and every entry within `tolerance` (ADBench's measure), naming the first few that are not.
[[maybe_unused]] void expect_close(const kinase::Matrix<double>& got, const kinase::Matrix<double>& want,
                                   double tolerance, const std::string& what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < got.rows() && failures < 5; ++i) {
    for (std::size_t j = 0; j < got.cols() && failures < 5; ++j) {
      if (!(ad::adbench_difference(got(i, j), want(i, j)) <= tolerance)) {
        ++failures;
        ADD_FAILURE() << what << "(" << i << ", " << j << ") = " << got(i, j) << ", expected " << want(i, j);
      }
    }
  }
}

struct Instance {
  const char* path;  // relative to the data folder
  bool complicated;
};

class HandExpected : public ::testing::TestWithParam<Instance> {};

TEST_P(HandExpected, ResidualsAndJacobiansMatchAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::filesystem::path name = GetParam().path;
  if (!std::filesystem::exists(kData / name) || !ad::has_hand_expected(kData, name))
    GTEST_SKIP() << name << " or its expected output is missing under " << kData;
  const ad::HandInput input = ad::read_hand(kData / name, GetParam().complicated);
  const std::size_t cols = GetParam().complicated ? 28 : 26;
  ASSERT_EQ(input.jacobian_cols(), cols);
  const ad::HandExpected expected = ad::read_hand_expected(kData, name, input.point_count(), cols);

  expect_close(ad::hand_objective(input), expected.residuals, kTolerance, name.string() + ": residuals");
  const kinase::Matrix<double> forward = ad::hand_jacobian_forward(input);
  const kinase::Matrix<double> reverse = ad::hand_jacobian_reverse(input);
  expect_close(forward, expected.jacobian, kTolerance, name.string() + ": forward Jacobian");
  expect_close(reverse, expected.jacobian, kTolerance, name.string() + ": reverse Jacobian");
  expect_close(forward, reverse, 1e-12, name.string() + ": forward vs reverse");
  expect_close(ad::hand_jacobian_forward<8>(input), forward, 1e-14, name.string() + ": forward in chunks of 8 lanes");
#endif
}

INSTANTIATE_TEST_SUITE_P(Adbench, HandExpected,
                         ::testing::Values(Instance{"hand/test.txt", false},
                                           Instance{"hand/hand_complicated.txt", true},
                                           Instance{"hand/simple_small/hand1_t26_c100.txt", false},
                                           Instance{"hand/simple_small/hand2_t26_c192.txt", false},
                                           Instance{"hand/complicated_small/hand1_t26_c100.txt", true},
                                           Instance{"hand/complicated_small/hand2_t26_c192.txt", true}),
                         [](const ::testing::TestParamInfo<Instance>& param) {
                           const std::filesystem::path p = param.param.path;
                           std::string s = p.parent_path().filename().string() + "_" + p.stem().string();
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

// The residual function checks the length of its input (26 for the simple variant, 28 for the complicated one).
TEST(Hand, ResidualsRejectWrongLength) {
  ad::HandInput input;
  input.complicated = true;
  const std::vector<double> x(26);
  EXPECT_THROW(ad::HandResiduals{&input}(x), std::invalid_argument);
}

// A missing model and a model file with a bad field are reported with the file's name.
TEST(Hand, ReaderNamesTheBadFile) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "kinase_hand_reader";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "model");
  const std::filesystem::path input = dir / "input.txt";
  {
    std::ofstream out(input);
    out << "1 26\n0 1 2 3\n";
    for (int i = 0; i < 26; ++i) out << "0.0\n";
  }
  const std::filesystem::path bones = dir / "model" / "bones.txt";
  try {
    ad::read_hand(input, false);
    ADD_FAILURE() << "no exception for a missing model";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bones.string()), std::string::npos) << e.what();
  }

  {
    std::ofstream out(bones);
    for (int b = 0; b < 22; ++b) {
      out << "bone" << b << ":" << (b == 0 ? -1 : 0);
      for (int m = 0; m < 2; ++m)
        for (int e = 0; e < 16; ++e) out << ":" << (b == 3 && m == 1 && e == 5 ? "x" : e % 5 == 0 ? "1" : "0");
      out << "\n";
    }
  }
  try {
    ad::read_hand(input, false);
    ADD_FAILURE() << "no exception for a bad number";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bones.string() + ", line 4"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
