#pragma once
// Shared by the tests: reference derivatives by Richardson-extrapolated central differences in long double, a
// tolerance check that treats infinities and nan exactly, and the message of an expected kinase::Error.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/core/error.hpp>
#include <string>

namespace kinase::testing {

/// d/dx f at x: central differences at h and h/2, combined so the O(h²) error cancels (error O(h⁴)); in long
/// double (64-bit significand) the rounding error stays near 1e-14 relative at h = 1e-5.
template <class F>
long double reference_derivative(F&& f, long double x) {
  const long double h = 1e-5L * std::max(1.0L, std::fabs(x));
  auto central = [&](long double step) { return (f(x + step) - f(x - step)) / (2 * step); };
  const long double d1 = central(h), d2 = central(h / 2);
  return (4 * d2 - d1) / 3;
}

/// |actual − expected| ≤ rel·|expected| + abs, with equal infinities and nan on both sides accepted.
inline ::testing::AssertionResult close(long double actual, long double expected, long double rel, long double abs,
                                        const std::string& what) {
  if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  if (std::isinf(expected) && actual == expected) return ::testing::AssertionSuccess();
  const long double err = std::fabs(actual - expected);
  if (err <= rel * std::fabs(expected) + abs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": got " << static_cast<double>(actual) << ", expected "
                                       << static_cast<double>(expected) << " (error " << static_cast<double>(err)
                                       << ")";
}

/// Deterministic points inside [lo, hi] that avoid its centre and simple fractions (kinks, ties, jumps).
/// `phase` gives another set of points, so that two arguments drawn from one domain never tie.
inline double sample(double lo, double hi, int k, int count, double phase = 0.4) {
  const double u = (k + 0.5 + 0.3 * std::sin(1.7 * k + phase)) / count;
  return lo + (hi - lo) * u;
}

/// The message of the kinase::Error that `call` throws, or "no error".
template <class F>
std::string error_of(F&& call) {
  try {
    call();
  } catch (const kinase::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace kinase::testing
