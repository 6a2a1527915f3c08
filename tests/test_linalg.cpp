// Matrix-level rules: each rule's reverse (vjp) against its forward (jvp) — the dot-product test through the API —
// and against central differences of the plain double computation; one tape entry per call; the lower-triangle
// convention of solve_spd and cholesky; second order; and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <kinase/linalg.hpp>
#include <string>
#include <vector>

#include "op_testing.hpp"

namespace {

namespace la = kinase::linalg;
using kinase::testing::error_of;

template <class S>
la::MatrixX<S> matrix(const std::vector<S>& x, std::size_t offset, Eigen::Index r, Eigen::Index c) {
  la::MatrixX<S> m(r, c);
  for (Eigen::Index j = 0; j < c; ++j)
    for (Eigen::Index i = 0; i < r; ++i) m(i, j) = x[offset + std::size_t(j * r + i)];
  return m;
}

std::vector<double> values(std::size_t n, double diagonal_boost = 0.0, Eigen::Index dim = 0) {
  std::vector<double> x(n);
  for (std::size_t k = 0; k < n; ++k) x[k] = std::sin(1.3 * double(k) + 0.4) * 0.8;
  for (Eigen::Index i = 0; i < dim; ++i) x[std::size_t(i * dim + i)] += diagonal_boost;
  return x;
}

// Reverse and forward gradients agree to rounding, and match central differences of the double computation.
template <class F>
void check_rule(F f, const std::vector<double>& x, const char* what) {
  const auto gr = kinase::gradient(kinase::Reverse, f, x);
  const auto gf = kinase::gradient(kinase::Forward, f, x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(gr[i], gf[i], 1e-12 * (1 + std::abs(gf[i]))) << what << " input " << i;
    std::vector<double> xp = x, xm = x;
    const double h = 1e-6;
    xp[i] += h;
    xm[i] -= h;
    const double fd = (f(xp) - f(xm)) / (2 * h);
    EXPECT_NEAR(gr[i], fd, 1e-6 * (1 + std::abs(fd))) << what << " input " << i;
  }
}

TEST(Linalg, MatmulTransposeDotSum) {
  check_rule(
      [](const auto& x) {
        auto C = la::matmul(matrix(x, 0, 3, 4), matrix(x, 12, 4, 2));
        return la::dot(C, C);
      },
      values(20), "matmul");
  check_rule([](const auto& x) { return la::sum(la::matmul(la::transpose(matrix(x, 0, 4, 3)), matrix(x, 12, 4, 2))); },
             values(20), "transpose");
  check_rule(
      [](const auto& x) {
        using S = std::remove_cvref_t<decltype(x[0])>;
        const la::VectorX<S> v = matrix(x, 0, 4, 1), w = matrix(x, 4, 4, 1);
        return la::dot(la::matmul(matrix(x, 8, 4, 4), v), w);
      },
      values(24), "matrix-vector");
}

TEST(Linalg, SolveInverseLogDeterminant) {
  const auto x = values(9 + 6, 2.5, 3);
  check_rule(
      [](const auto& v) {
        auto X = la::solve(matrix(v, 0, 3, 3), matrix(v, 9, 3, 2));
        return la::sum(X) + la::dot(X, X);
      },
      x, "solve");
  check_rule(
      [](const auto& v) {
        using S = std::remove_cvref_t<decltype(v[0])>;
        const la::VectorX<S> b = matrix(v, 9, 3, 1);
        return la::sum(la::solve(matrix(v, 0, 3, 3), b));
      },
      x, "solve with a vector");
  check_rule([](const auto& v) { return la::log_determinant(matrix(v, 0, 3, 3)); }, x, "log_determinant");
  check_rule([](const auto& v) { return la::dot(la::inverse(matrix(v, 0, 3, 3)), matrix(v, 6, 3, 3)); }, x, "inverse");
  // log |det A| for a negative determinant.
  std::vector<double> neg = x;
  for (std::size_t k = 0; k < 3; ++k) neg[k] = -neg[k];  // first column negated
  check_rule([](const auto& v) { return la::log_determinant(matrix(v, 0, 3, 3)); }, neg, "log_determinant, det < 0");
}

TEST(Linalg, CholeskyAndSpdSolveReadTheLowerTriangle) {
  // A non-symmetric matrix whose lower triangle is SPD: the upper entries do not matter, and their derivative is 0.
  auto x = values(16 + 4, 3.0, 4);
  x[4] += 5.0;  // A(0, 1): strictly upper, ignored
  check_rule(
      [](const auto& v) {
        auto L = la::cholesky(matrix(v, 0, 4, 4));
        return la::dot(L, L) + la::sum(L);
      },
      x, "cholesky");
  check_rule(
      [](const auto& v) {
        using S = std::remove_cvref_t<decltype(v[0])>;
        const la::VectorX<S> b = matrix(v, 16, 4, 1);
        auto X = la::solve_spd(matrix(v, 0, 4, 4), b);
        return la::dot(X, b);
      },
      x, "solve_spd");
  const auto g = kinase::gradient(
      kinase::Reverse, [](const auto& v) { return la::sum(la::cholesky(matrix(v, 0, 4, 4))); }, x);
  EXPECT_EQ(g[4], 0.0);
}

TEST(Linalg, EachRuleIsOneTapeEntry) {
  kinase::Tape<double> tape;
  const auto x = values(9, 2.5, 3);
  std::vector<kinase::Real<double>> v(x.begin(), x.end());
  kinase::Recording<double> recording(tape);
  for (auto& e : v) tape.register_input(e);
  const auto A = matrix(v, 0, 3, 3);  // nine copies: nine statements
  const auto before = tape.stats().statements;
  const auto C = la::matmul(A, A);
  const auto Y = la::inverse(C);
  const kinase::Real<double> d = la::log_determinant(Y);
  EXPECT_EQ(tape.stats().statements, before + 3);
  EXPECT_EQ(tape.stats().callbacks, 3u);
  // A packed Map of the inputs is read in place: one entry, no copies.
  const Eigen::Map<const la::MatrixX<kinase::Real<double>>> view(v.data(), 3, 3);
  const auto viewed = la::matmul(view, view);
  EXPECT_EQ(tape.stats().statements, before + 4);
  EXPECT_EQ(viewed(1, 2).primal, C(1, 2).primal);
  tape.adjoint(d) = 1.0;
  tape.evaluate();
  // log|det (A²)⁻¹| = −2 log|det A|: the derivative is −2 A⁻ᵀ.
  const Eigen::Matrix3d Ad = matrix(x, 0, 3, 3);
  const Eigen::Matrix3d expected = -2.0 * Ad.inverse().transpose();
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < 3; ++i) EXPECT_NEAR(tape.adjoint(v[std::size_t(j * 3 + i)]), expected(i, j), 1e-12);
}

TEST(Linalg, SecondOrder) {
  // Forward over reverse: each rule's vjp runs on Duals; the Hessian is symmetric and matches differences of the
  // gradient.
  auto f = [](const auto& v) {
    auto A = matrix(v, 0, 3, 3);
    return la::log_determinant(A) + la::dot(la::inverse(A), la::matmul(A, A));
  };
  const auto x = values(9, 2.5, 3);
  const auto h = kinase::hessian(f, x);
  for (std::size_t i = 0; i < 9; ++i) {
    std::vector<double> xp = x, xm = x;
    xp[i] += 1e-5;
    xm[i] -= 1e-5;
    const auto gp = kinase::gradient(kinase::Reverse, f, xp), gm = kinase::gradient(kinase::Reverse, f, xm);
    for (std::size_t j = 0; j < 9; ++j) {
      EXPECT_NEAR(h(j, i), (gp[j] - gm[j]) / 2e-5, 1e-5 * (1 + std::abs(h(j, i))));
      EXPECT_DOUBLE_EQ(h(i, j), h(j, i));
    }
  }
}

TEST(Linalg, Errors) {
  const la::MatrixX<double> A = la::MatrixX<double>::Identity(3, 3), B = la::MatrixX<double>::Zero(2, 2),
                            N = la::MatrixX<double>::Zero(2, 3);
  EXPECT_EQ(error_of([&] { la::matmul(A, B); }), "kinase::linalg::matmul: A has 3 columns but B has 2 rows");
  EXPECT_EQ(error_of([&] { la::solve(A, B); }), "kinase::linalg::solve: A has 3 rows but B has 2 rows");
  EXPECT_EQ(error_of([&] { la::inverse(N); }), "kinase::linalg::inverse: the matrix A must be square, but it is 2×3");
  EXPECT_EQ(error_of([&] { la::dot(A, B); }), "kinase::linalg::dot: a is 3×3 but b is 2×2");
  const la::MatrixX<double> singular = la::MatrixX<double>::Zero(3, 3);
  EXPECT_EQ(error_of([&] { la::solve(singular, A); }),
            "kinase::linalg::solve: A is singular (its LU factorization has a zero pivot)");
  EXPECT_EQ(error_of([&] { la::inverse(singular); }),
            "kinase::linalg::inverse: A is singular (its LU factorization has a zero pivot)");
  EXPECT_EQ(error_of([&] { la::log_determinant(singular); }),
            "kinase::linalg::log_determinant: A is singular (its LU factorization has a zero pivot)");
  const la::MatrixX<double> negative = -A;
  EXPECT_EQ(error_of([&] { la::cholesky(negative); }),
            "kinase::linalg::cholesky: A is not symmetric positive definite (its factorization failed)");
  EXPECT_EQ(error_of([&] { la::solve_spd(negative, A); }),
            "kinase::linalg::solve_spd: A is not symmetric positive definite (its Cholesky factorization failed)");
}

}  // namespace
