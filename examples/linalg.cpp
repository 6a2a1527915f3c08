// Matrix-level rules: f(A) = log det(AᵀA + I) + ‖A x − b‖² for a 30×30 A, written with kinase::linalg (each
// function one tape entry) and with plain Eigen code on the same scalar type (one statement per scalar operation).
// The gradients must agree with each other and with the closed form 2 A (AᵀA + I)⁻¹ + 2 (A x − b) xᵀ; the program
// prints the two tapes' statistics.
#include <Eigen/Cholesky>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <kinase/kinase.hpp>
#include <kinase/linalg.hpp>
#include <type_traits>

constexpr int kSize = 30;

int main() {
  Eigen::MatrixXd A(kSize, kSize);
  Eigen::VectorXd x(kSize), b(kSize);
  for (int i = 0; i < kSize; ++i) {
    x(i) = std::cos(0.3 * i);
    b(i) = std::sin(0.5 * i);
    for (int j = 0; j < kSize; ++j) A(i, j) = std::sin(1.0 + i + 2.0 * j) / std::sqrt(double(kSize));
  }

  // With the matrix rules: transpose, matmul, log_determinant and dot are one entry each.
  auto with_rules = [&](const auto& M) {
    using S = typename std::decay_t<decltype(M)>::Scalar;
    namespace la = kinase::linalg;
    la::MatrixX<S> G = la::matmul(la::transpose(M), M);
    for (int i = 0; i < kSize; ++i) G(i, i) += 1.0;
    const la::VectorX<S> r = la::matmul(M, la::VectorX<S>(x.cast<S>())) - b.cast<S>();
    return S(la::log_determinant(G) + la::dot(r, r));
  };
  // The same through the Cholesky factor: log det G = 2 Σ log Lᵢᵢ.
  auto with_cholesky = [&](const auto& M) {
    using S = typename std::decay_t<decltype(M)>::Scalar;
    namespace la = kinase::linalg;
    la::MatrixX<S> G = la::matmul(la::transpose(M), M);
    for (int i = 0; i < kSize; ++i) G(i, i) += 1.0;
    const la::MatrixX<S> L = la::cholesky(G);
    S logdet = 0;
    using std::log;
    for (int i = 0; i < kSize; ++i) logdet += 2.0 * log(L(i, i));
    const la::VectorX<S> r = la::matmul(M, la::VectorX<S>(x.cast<S>())) - b.cast<S>();
    return S(logdet + la::dot(r, r));
  };
  // Plain Eigen on the tape's scalars: every multiply-add of the product and the factorization is recorded.
  auto plain = [&](const auto& M) {
    using S = typename std::decay_t<decltype(M)>::Scalar;
    using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
    using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
    const Mat G = M.transpose() * M + Mat::Identity(kSize, kSize);
    const Mat L = Eigen::LLT<Mat>(G).matrixL();
    S logdet = 0;
    using std::log;
    for (int i = 0; i < kSize; ++i) logdet += 2.0 * log(L(i, i));
    const Vec r = M * Vec(x.cast<S>()) - Vec(b.cast<S>());
    return S(logdet + r.squaredNorm());
  };

  const Eigen::MatrixXd g_rules = kinase::gradient(kinase::Reverse, with_rules, A);
  const Eigen::MatrixXd g_chol = kinase::gradient(kinase::Reverse, with_cholesky, A);
  const Eigen::MatrixXd g_plain = kinase::gradient(kinase::Reverse, plain, A);
  const Eigen::MatrixXd G = A.transpose() * A + Eigen::MatrixXd::Identity(kSize, kSize);
  const Eigen::MatrixXd g_closed = 2.0 * A * G.inverse() + 2.0 * (A * x - b) * x.transpose();

  int failures = 0;
  auto compare = [&](const char* name, double value, const Eigen::MatrixXd& g) {
    const double rel = (g - g_plain).norm() / g_plain.norm();
    std::printf("%-23s f = %.12f, |g| = %.12f, |g - g_plain| / |g_plain| = %.1e\n", name, value, g.norm(), rel);
    if (!(rel <= 1e-9) || std::abs(value - plain(A)) > 1e-12 * std::abs(value)) {
      std::printf("MISMATCH: %s\n", name);
      ++failures;
    }
  };
  std::printf("%-23s f = %.12f, |g| = %.12f\n", "plain Eigen:", plain(A), g_plain.norm());
  compare("log_determinant rules:", with_rules(A), g_rules);
  compare("cholesky rules:", with_cholesky(A), g_chol);
  compare("closed form:", std::log(G.determinant()) + (A * x - b).squaredNorm(), g_closed);

  // Each formulation recorded on a tape of our own, for its statistics.
  auto record = [&](const char* name, auto f) {
    kinase::Tape<double> tape;
    {
      kinase::Recording<double> recording(tape);
      Eigen::Matrix<kinase::Real<double>, Eigen::Dynamic, Eigen::Dynamic> M = A.cast<kinase::Real<double>>();
      for (int k = 0; k < M.size(); ++k) tape.register_input(M.data()[k]);
      const kinase::Real<double> y = f(M);
    }
    std::cout << name << ' ' << tape.stats() << '\n';
  };
  record("matrix rules (log_determinant):", with_rules);
  record("matrix rules (cholesky):       ", with_cholesky);
  record("plain Eigen:                   ", plain);
  return failures ? 1 : 0;
}
