#pragma once
// Shared by the ADBench tests (GMM, BA, hand tracking, LSTM): values compared with ADBench's measure of agreement,
// |a − b| / max(1, |a| + |b|), and its acceptance threshold for a derivative.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "adbench/gmm_io.hpp"

namespace kinase::testing {

/// ADBench's acceptance threshold for a derivative.
inline constexpr double kAdbenchTolerance = 1e-8;

/// Every value within `tolerance` of the reference (ADBench's measure), naming the first few that are not.
inline void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tolerance,
                         const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int failures = 0;
  for (std::size_t i = 0; i < got.size() && failures < 5; ++i) {
    if (!(kinase::adbench::adbench_difference(got[i], want[i]) <= tolerance)) {
      ++failures;
      ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", expected " << want[i];
    }
  }
}

}  // namespace kinase::testing
