// Scenario (benchmark suite, ADBench problem D): ADBench's LSTM objective (bench/adbench/lstm.hpp) on the developer
// instance lstm/lstm_l2_c1024.txt. The objective on double and kinase's reverse gradient must match ADBench's
// expected/ files to 1e-8 (ADBench's measure |a − b| / max(1, |a| + |b|)), and forward mode must agree with reverse
// mode to 1e-12 relative on the first characters of the sequence. The data folder comes from the build
// (KINASE_ADBENCH_DIR); without it, or without the files, the tests are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <kinase/kinase.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "adbench/lstm.hpp"
#include "adbench/lstm_io.hpp"
#include "adbench_testing.hpp"

namespace {

namespace ad = kinase::adbench;

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kData = KINASE_ADBENCH_DIR;
const char* const kInstance = "lstm/lstm_l2_c1024.txt";
#endif

struct Objective {
  const ad::LstmInput* input;
  template <class V>
  auto operator()(const V& params) const {
    return ad::lstm_objective_flat(*input, params);
  }
};

using kinase::testing::expect_close;

// The first `c` characters of an instance, with the same parameters and initial state.
[[maybe_unused]] ad::LstmInput truncated(const ad::LstmInput& in, int c) {
  ad::LstmInput t = in;
  t.c = c;
  t.sequence.resize(static_cast<std::size_t>(c) * static_cast<std::size_t>(in.b));
  return t;
}

TEST(LstmExpected, ObjectiveAndReverseGradientMatchAdbench) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  if (!std::filesystem::exists(kData / kInstance) || !ad::has_lstm_expected(kData, kInstance))
    GTEST_SKIP() << kInstance << " or its expected output is missing under " << kData;
  const ad::LstmInput input = ad::read_lstm(kData / kInstance);
  const std::vector<double> x = ad::lstm_parameters(input);
  const ad::LstmExpected expected = ad::read_lstm_expected(kData, kInstance, x.size());

  EXPECT_LE(ad::adbench_difference(ad::lstm_objective(input, input.main_params.data(), input.extra_params.data()),
                                   expected.objective),
            1e-8)
      << "objective on double";
  EXPECT_LE(ad::adbench_difference(ad::lstm_objective_flat(input, x), expected.objective), 1e-8)
      << "objective on double, flat parameters";

  const auto reverse = kinase::gradient(kinase::ReverseWithPrimal, Objective{&input}, x);
  EXPECT_LE(ad::adbench_difference(reverse.primal, expected.objective), 1e-8) << "objective recorded on the tape";
  expect_close(reverse.derivative, expected.gradient, 1e-8, std::string(kInstance) + ": reverse gradient");
#endif
}

// Forward mode (8 lanes, 266 parameters: 34 sweeps) and reverse mode give the same gradient on the first 8
// characters, to 1e-12 relative to the larger of the two values (the gradient entries are as small as 1e-6, so
// ADBench's measure, which is absolute below 1, would hardly test them).
TEST(Lstm, ForwardAgreesWithReverse) {
#ifndef KINASE_ADBENCH_DIR
  GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: the build was not given ADBench's data folder";
#else
  if (!std::filesystem::exists(kData / kInstance)) GTEST_SKIP() << kInstance << " is missing under " << kData;
  const ad::LstmInput input = truncated(ad::read_lstm(kData / kInstance), 8);
  const std::vector<double> x = ad::lstm_parameters(input);
  const auto forward = kinase::gradient(kinase::ForwardWithPrimal, Objective{&input}, x);
  const auto reverse = kinase::gradient(kinase::ReverseWithPrimal, Objective{&input}, x);
  const double primal = ad::lstm_objective_flat(input, x);
  EXPECT_EQ(forward.primal, primal);
  EXPECT_EQ(reverse.primal, primal);
  ASSERT_EQ(forward.derivative.size(), x.size());
  ASSERT_EQ(reverse.derivative.size(), x.size());
  int failures = 0;
  for (std::size_t i = 0; i < x.size() && failures < 5; ++i) {
    const double f = forward.derivative[i], r = reverse.derivative[i];
    if (!(std::abs(f - r) <= 1e-12 * std::max(std::abs(f), std::abs(r)))) {
      ++failures;
      ADD_FAILURE() << "gradient[" << i << "]: forward " << f << ", reverse " << r;
    }
  }
#endif
}

TEST(Lstm, FlatObjectiveRejectsWrongLength) {
  ad::LstmInput input;
  input.l = 1;
  input.c = 2;
  input.b = 1;
  const std::vector<double> x(10);  // the instance has 8 + 3 parameters
  EXPECT_THROW(ad::lstm_objective_flat(input, x), std::invalid_argument);
}

// A missing file and a file cut short are reported with the file's name.
TEST(Lstm, ReaderNamesTheBadFile) {
  const std::filesystem::path missing = std::filesystem::path(::testing::TempDir()) / "kinase_lstm_missing.txt";
  std::filesystem::remove(missing);
  try {
    ad::read_lstm(missing);
    ADD_FAILURE() << "no exception for a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }

  const std::filesystem::path short_file = std::filesystem::path(::testing::TempDir()) / "kinase_lstm_short.txt";
  {
    std::ofstream out(short_file);
    out << "1 2 1\n\n0.1 0.2 0.3 0.4\n0.5 0.6 0.7 0.8\n\n0.1 0.2 0.3\n\n0.0\n";  // the state and sequence are short
  }
  try {
    ad::read_lstm(short_file);
    ADD_FAILURE() << "no exception for a file cut short";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(short_file.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(short_file);
}

}  // namespace
