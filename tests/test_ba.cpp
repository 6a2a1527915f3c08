// Scenario: ADBench's bundle adjustment problem (bench/adbench/ba.hpp) against ADBench's reference output. On
// ba/test.txt the residuals must match test_F_Manual.txt, and the sparse Jacobian by forward mode and by reverse mode
// must match test_J_Manual.txt: the same CSR structure exactly and the values to 1e-8 (ADBench's measure
// |a − b| / max(1, |a| + |b|)). On every instance, each observation's residuals and Jacobian block must match the
// instance's compact reference file. Forward and reverse mode must agree to 1e-12. The data folder comes from the
// build (KINASE_ADBENCH_DIR); without it, or without the files, the tests are skipped.
#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "adbench/ba.hpp"
#include "adbench/ba_io.hpp"
#include "adbench_testing.hpp"

namespace {

namespace ad = kinase::adbench;

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kData = KINASE_ADBENCH_DIR;
#endif

[[maybe_unused]] constexpr double kTolerance = kinase::testing::kAdbenchTolerance;

using kinase::testing::expect_close;

// The same dimensions, row pointer and column indices, and values within `tolerance`.
[[maybe_unused]] void expect_same_jacobian(const ad::BaSparseJacobian& got, const ad::BaSparseJacobian& want,
                                           double tolerance, const std::string& what) {
  EXPECT_EQ(got.nrows, want.nrows) << what;
  EXPECT_EQ(got.ncols, want.ncols) << what;
  EXPECT_EQ(got.rows, want.rows) << what << ": row pointer";
  EXPECT_EQ(got.cols, want.cols) << what << ": column indices";
  expect_close(got.vals, want.vals, tolerance, what + ": values");
}

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kTest = "ba/test.txt";
const std::filesystem::path kExpected = kData / "expected" / "ba";
#endif

TEST(BaTest, ResidualsMatchAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::filesystem::path f_file = kExpected / "test_F_Manual.txt";
  if (!std::filesystem::exists(kData / kTest) || !std::filesystem::exists(f_file))
    GTEST_SKIP() << kTest << " or " << f_file << " is missing";
  const ad::BaInput input = ad::read_ba(kData / kTest);
  const ad::BaExpectedResiduals expected = ad::read_ba_expected_residuals(f_file);
  std::vector<double> reproj_err, w_err;
  ad::ba_objective(input, reproj_err, w_err);
  expect_close(reproj_err, expected.reproj_err, kTolerance, "reprojection residuals");
  expect_close(w_err, expected.w_err, kTolerance, "weight residuals");
#endif
}

TEST(BaTest, ForwardAndReverseJacobiansMatchAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::filesystem::path j_file = kExpected / "test_J_Manual.txt";
  if (!std::filesystem::exists(kData / kTest) || !std::filesystem::exists(j_file))
    GTEST_SKIP() << kTest << " or " << j_file << " is missing";
  const ad::BaInput input = ad::read_ba(kData / kTest);
  const ad::BaSparseJacobian expected = ad::read_ba_expected_jacobian(j_file);
  expect_same_jacobian(ad::ba_jacobian_forward(input), expected, kTolerance, "forward Jacobian");
  expect_same_jacobian(ad::ba_jacobian_reverse(input), expected, kTolerance, "reverse Jacobian");
#endif
}

TEST(BaTest, ForwardAgreesWithReverse) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  if (!std::filesystem::exists(kData / kTest)) GTEST_SKIP() << kTest << " is missing under " << kData;
  const ad::BaInput input = ad::read_ba(kData / kTest);
  expect_same_jacobian(ad::ba_jacobian_forward(input), ad::ba_jacobian_reverse(input), 1e-12, "forward vs reverse");
#endif
}

// Every instance against its compact reference: the sizes, and for every observation the residuals, the two
// reprojection rows (structure and values) and the weight row, all from one forward Jacobian of the whole instance.
// Every observation is checked: ba1 and ba2 take about 1 s each in a GCC Debug build (-O0) and about 3 s each under
// Clang with AddressSanitizer and UBSan, nearly all of it in the forward Jacobian.
class BaCompact : public ::testing::TestWithParam<const char*> {};

TEST_P(BaCompact, EveryObservationMatchesAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  const std::filesystem::path name = GetParam();
  const std::filesystem::path compact_file = kExpected / (name.stem().string() + "_compact_Manual.txt");
  if (!std::filesystem::exists(kData / name) || !std::filesystem::exists(compact_file))
    GTEST_SKIP() << name << " or " << compact_file << " is missing";
  const ad::BaInput input = ad::read_ba(kData / name);
  const ad::BaCompactExpected expected = ad::read_ba_compact(compact_file);
  ASSERT_EQ(input.n, expected.n);
  ASSERT_EQ(input.m, expected.m);
  ASSERT_EQ(input.p, expected.p);

  std::vector<double> reproj_err, w_err;
  ad::ba_objective(input, reproj_err, w_err);
  const ad::BaSparseJacobian jac = ad::ba_jacobian_forward(input);
  ASSERT_EQ(jac.nrows, expected.nrows);
  ASSERT_EQ(jac.ncols, expected.ncols);
  ASSERT_EQ(jac.rows.size(), static_cast<std::size_t>(jac.nrows) + 1);
  ASSERT_EQ(jac.rows.back(), expected.nnz);
  ASSERT_EQ(jac.cols.size(), static_cast<std::size_t>(expected.nnz));
  ASSERT_EQ(jac.vals.size(), static_cast<std::size_t>(expected.nnz));

  // The expected structure is rebuilt here from the README's rule (camera i mod n, point i mod m), independently of
  // the reader's observation list.
  const int block = 15, p = input.p, point_col0 = 11 * input.n, weight_col0 = point_col0 + 3 * input.m;
  // Messages are built only for a failure, so that the loop over ~10⁶ entries stays quick in a Debug build; the
  // loop stops after the observation in which the fifth failure is reported.
  int failures = 0;
  auto fail = [&](int i, const auto&... what) {
    ++failures;
    ::testing::Message message;
    (message << ... << what);
    ADD_FAILURE() << name << ", observation " << i << ": " << message;
  };
  auto close = [](double got, double want) { return ad::adbench_difference(got, want) <= kTolerance; };
  for (int i = 0; i < p && failures < 5; ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (!close(reproj_err[2 * u], expected.reproj_err[0]) || !close(reproj_err[2 * u + 1], expected.reproj_err[1]))
      fail(i, "reprojection residuals");
    if (!close(w_err[u], expected.w_err)) fail(i, "weight residual");
    const int cam = i % input.n, pt = i % input.m;
    for (int r = 0; r < 2; ++r) {
      const auto row = static_cast<std::size_t>(2 * i + r);
      const int start = jac.rows[row];
      if (start != 2 * block * i + block * r || jac.rows[row + 1] != start + block) {
        fail(i, "row pointer of row ", row);
        continue;
      }
      for (int k = 0; k < block; ++k) {
        const int want_col = k < 11 ? 11 * cam + k : k < 14 ? point_col0 + 3 * pt + (k - 11) : weight_col0 + i;
        const auto at = static_cast<std::size_t>(start + k);
        const double want = expected.block[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)];
        if (jac.cols[at] != want_col)
          fail(i, "column index ", jac.cols[at], " at entry ", k, " of row ", row, ", expected ", want_col);
        if (!close(jac.vals[at], want))
          fail(i, "value ", jac.vals[at], " at entry ", k, " of row ", row, ", expected ", want);
      }
    }
    const auto wrow = static_cast<std::size_t>(2 * p + i);
    const int wstart = jac.rows[wrow];
    if (wstart != 2 * block * p + i || jac.rows[wrow + 1] != wstart + 1) {
      fail(i, "row pointer of the weight row");
      continue;
    }
    const auto at = static_cast<std::size_t>(wstart);
    if (jac.cols[at] != weight_col0 + i) fail(i, "column index of the weight row");
    if (!close(jac.vals[at], expected.w_jac)) fail(i, "value ", jac.vals[at], " of the weight row");
  }
#endif
}

INSTANTIATE_TEST_SUITE_P(Adbench, BaCompact,
                         ::testing::Values("ba/test.txt", "ba/ba1_n49_m7776_p31843.txt",
                                           "ba/ba2_n21_m11315_p36455.txt"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string s = std::filesystem::path(param.param).stem().string();
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

}  // namespace
