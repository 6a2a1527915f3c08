// An external function on doubles: y = A x by OpenBLAS's cblas_dgemv, with a jvp (one cblas_dgemm for every lane)
// and a vjp (cblas_dgemv with CblasTrans). f(x) = Σ sin(yᵢ) is differentiated in reverse and forward mode, and both
// gradients are checked against the hand-written Aᵀ cos(A x).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <span>
#include <type_traits>
#include <vector>

constexpr int kRows = 6, kCols = 4;

int main() {
  std::vector<double> A(kRows * kCols);  // column-major kRows×kCols
  for (int j = 0; j < kCols; ++j)
    for (int i = 0; i < kRows; ++i) A[j * kRows + i] = std::cos(1.0 + i + 2.0 * j) / (1 + i + j);
  const double* a = A.data();  // the rules capture this pointer: A must outlive every tape entry that uses them

  // The rules take std::span<const double> and std::span<double>, so they work at first order only (forward mode,
  // or a tape of doubles): a nested mode would call them on Duals or Reals, which does not compile.
  auto primal = [a](std::span<const double> x, std::span<double> y) {
    cblas_dgemv(CblasColMajor, CblasNoTrans, kRows, kCols, 1.0, a, kRows, x.data(), 1, 0.0, y.data(), 1);
  };
  // dx holds L lanes, lane-major: a kCols×L column-major matrix, so dy = A dx is one gemm for every lane.
  auto jvp = [a](std::span<const double>, std::span<const double>, std::span<const double> dx, std::span<double> dy) {
    const int L = static_cast<int>(dx.size()) / kCols;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, kRows, L, kCols, 1.0, a, kRows, dx.data(), kCols, 0.0,
                dy.data(), kRows);
  };
  // xbar = Aᵀ ybar, lane by lane (one lane on a tape of doubles).
  auto vjp = [a](std::span<const double>, std::span<const double>, std::span<const double> ybar,
                 std::span<double> xbar) {
    for (std::size_t l = 0; l < ybar.size() / kRows; ++l)
      cblas_dgemv(CblasColMajor, CblasTrans, kRows, kCols, 1.0, a, kRows, ybar.data() + l * kRows, 1, 0.0,
                  xbar.data() + l * kCols, 1);
  };
  const auto gemv = kinase::external("gemv", primal).with_jvp(jvp).with_vjp(vjp);

  auto f = [&](const auto& x) {
    using S = std::decay_t<decltype(x[0])>;
    const std::vector<S> y = kinase::call(gemv, x, kRows);
    S s = 0;
    using std::sin;
    for (const S& yi : y) s += sin(yi);
    return s;
  };

  const std::vector<double> x{0.3, -1.1, 0.7, 2.0};
  const auto g_rev = kinase::gradient(kinase::Reverse, f, x);
  const auto g_fwd = kinase::gradient(kinase::Forward, f, x);  // 4 inputs: one sweep of 4 lanes, one dgemm

  // By hand: ∇f = Aᵀ cos(A x).
  std::vector<double> expected(kCols, 0.0);
  for (int i = 0; i < kRows; ++i) {
    double yi = 0;
    for (int j = 0; j < kCols; ++j) yi += A[j * kRows + i] * x[j];
    for (int j = 0; j < kCols; ++j) expected[j] += A[j * kRows + i] * std::cos(yi);
  }

  int failures = 0;
  std::printf("f(x) = %.12f\n", f(x));
  std::printf("%4s %18s %18s %18s\n", "j", "reverse", "forward", "A^T cos(Ax)");
  for (int j = 0; j < kCols; ++j) {
    std::printf("%4d %18.12f %18.12f %18.12f\n", j, g_rev[j], g_fwd[j], expected[j]);
    const double scale = std::max(1.0, std::abs(expected[j]));
    if (std::abs(g_rev[j] - expected[j]) > 1e-13 * scale || std::abs(g_fwd[j] - expected[j]) > 1e-13 * scale) {
      std::printf("MISMATCH in component %d\n", j);
      ++failures;
    }
  }

  // The Jacobian of y = A x is A: by reverse sweeps of 3 adjoint lanes (the vjp's lane loop) and by forward mode.
  auto y_of = [&](const auto& v) { return kinase::call(gemv, v, kRows); };
  const auto J_rev = kinase::jacobian(kinase::Reverse, y_of, x, kinase::chunk<3>);
  const auto J_fwd = kinase::jacobian(kinase::Forward, y_of, x);
  double worst = 0;
  for (int i = 0; i < kRows; ++i)
    for (int j = 0; j < kCols; ++j)
      worst = std::max({worst, std::abs(J_rev(i, j) - A[j * kRows + i]), std::abs(J_fwd(i, j) - A[j * kRows + i])});
  std::printf("jacobian of A x: largest difference from A %.1e\n", worst);
  if (worst > 1e-15) {
    std::printf("MISMATCH in the Jacobian\n");
    ++failures;
  }
  return failures ? 1 : 0;
}
