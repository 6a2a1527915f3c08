// Eigen with Duals: matrices of Duals in expressions, mixed with plain matrices, decompositions, and Eigen objects
// as arguments of autodiff, gradient and jacobian.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <kinase/eigen.hpp>
#include <kinase/kinase.hpp>

namespace {

using namespace kinase;

/// f(x) = ½ xᵀAx + bᵀx + sin(x₀): ∇f = ½(A + Aᵀ)x + b + cos(x₀)e₀.
template <class S>
S quadratic(const Eigen::VectorX<S>& x, const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  using std::sin;
  const Eigen::VectorX<S> Ax = A.cast<S>() * x;
  return S(0.5) * x.dot(Ax) + x.dot(b.cast<S>()) + sin(x(0));
}

TEST(ReverseEigen, GradientWithMatrixVectorProducts) {
  Eigen::MatrixXd A(3, 3);
  A << 2, 1, 0, 1, 3, 1, 0, 1, 4;
  const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(3, -1.0, 1.0);
  Eigen::VectorXd x(3);
  x << 0.3, -0.2, 0.5;
  auto f = [&](const auto& v) { return quadratic(v, A, b); };
  const Eigen::VectorXd g = gradient(Reverse, f, x);
  Eigen::VectorXd expected = A * x + b;
  expected(0) += std::cos(x(0));
  EXPECT_TRUE(g.isApprox(expected, 1e-14)) << g.transpose();
  EXPECT_TRUE(g.isApprox(Eigen::VectorXd(gradient(Forward, f, x)), 1e-14));
}

TEST(Eigen, MatrixOfDualsTimesVector) {
  using D = Dual<double, 2>;
  Eigen::Matrix<D, 2, 2> M;
  M << D(1.0), D(2.0, {1.0, 0.0}), D(3.0), D(4.0, {0.0, 1.0});
  const Eigen::Matrix<D, 2, 1> v(D(5.0), D(6.0));
  const Eigen::Matrix<D, 2, 1> r = M * v;
  EXPECT_EQ(r(0).primal, 17.0);
  EXPECT_EQ(r(0).tangent[0], 6.0);
  EXPECT_EQ(r(1).tangent[1], 6.0);
  // Mixed with a plain matrix (ScalarBinaryOpTraits) and scaled by a plain number.
  const Eigen::Matrix2d P = Eigen::Matrix2d::Identity() * 2.0;
  const Eigen::Matrix<D, 2, 1> s = P * v * 0.5;
  EXPECT_EQ(s(1).primal, 6.0);
  const D n = v.norm();
  EXPECT_DOUBLE_EQ(n.primal, std::sqrt(61.0));
}

TEST(Eigen, GradientOfGenericEigenFunction) {
  Eigen::MatrixXd A(3, 3);
  A << 2, 1, 0, 1, 3, 1, 0, 1, 4;
  const Eigen::VectorXd b = Eigen::VectorXd::LinSpaced(3, -1.0, 1.0);
  Eigen::VectorXd x(3);
  x << 0.3, -0.2, 0.5;
  auto f = [&](const auto& v) { return quadratic(v, A, b); };
  const Eigen::VectorXd g = gradient(Forward, f, x);
  Eigen::VectorXd expected = A * x + b;
  expected(0) += std::cos(x(0));
  EXPECT_TRUE(g.isApprox(expected, 1e-14)) << g.transpose();
  const Eigen::VectorXd g1 = gradient(Forward, f, x, chunk<1>);
  EXPECT_TRUE(g1.isApprox(expected, 1e-14));
}

TEST(Eigen, JacobianOfLinearSolve) {
  // y(x) = M(x)⁻¹ c with M(x) = [[2 + x₀, x₁], [x₁, 3]]: compare with finite differences.
  auto solve = [](const Eigen::Vector2d& c, const auto& x) {
    using S = std::decay_t<decltype(x(0))>;
    Eigen::Matrix<S, 2, 2> M;
    M << S(2.0) + x(0), x(1), x(1), S(3.0);
    return Eigen::Matrix<S, 2, 1>(M.partialPivLu().solve(c.cast<S>()));
  };
  const Eigen::Vector2d c(1.0, 2.0), x(0.5, 0.25);
  const auto J = to_eigen(jacobian(
      Forward, [&](const auto& v) { return solve(c, v); }, x));
  const double h = 1e-6;
  for (int j = 0; j < 2; ++j) {
    Eigen::Vector2d xp = x, xm = x;
    xp(j) += h, xm(j) -= h;
    const Eigen::Vector2d fd = (solve(c, xp) - solve(c, xm)) / (2 * h);
    EXPECT_TRUE(J.col(j).isApprox(fd, 1e-8)) << J;
  }
}

TEST(Eigen, DuplicatedEigenVectorsAndBatch) {
  Eigen::Vector2d x(1.0, 3.0), dx(1.0, 1.0);
  auto f = [](const auto& v) {
    return (1.0 - v(0)) * (1.0 - v(0)) + 100.0 * (v(1) - v(0) * v(0)) * (v(1) - v(0) * v(0));
  };
  const auto r = autodiff(Forward, f, Duplicated{}, Duplicated(x, dx));
  EXPECT_EQ(r.primal, 400.0);
  EXPECT_EQ(r.derivative, -400.0);
  Eigen::Vector2d e0(1.0, 0.0), e1(0.0, 1.0);
  const auto b = autodiff(Forward, f, BatchDuplicated{}, BatchDuplicated(x, {e0, e1}));
  EXPECT_EQ(b.derivatives[0], -800.0);
  EXPECT_EQ(b.derivatives[1], 400.0);
  // A matrix argument: the gradient has its shape.
  Eigen::Matrix2d X;
  X << 1.0, 2.0, 3.0, 4.0;
  const Eigen::Matrix2d G = gradient(
      Forward, [](const auto& m) { return m.determinant(); }, X);
  EXPECT_EQ(G(0, 0), 4.0);
  EXPECT_EQ(G(0, 1), -3.0);
  EXPECT_EQ(G(1, 0), -2.0);
  EXPECT_EQ(G(1, 1), 1.0);
}

TEST(Eigen, MutationWriteBackAndStorageOrder) {
  // An Eigen vector mutated in place: primal and shadow are written back.
  Eigen::Vector3d x(1.0, 2.0, 3.0), dx(1.0, 1.0, 0.0);
  autodiff(
      Forward, [](auto& v) { v = v.cwiseProduct(v); }, Const{}, Duplicated(x, dx));
  EXPECT_EQ(x, Eigen::Vector3d(1.0, 4.0, 9.0));
  EXPECT_EQ(dx, Eigen::Vector3d(2.0, 4.0, 0.0));
  // A matrix input: the Jacobian's columns follow the input's storage order (column-major by default).
  Eigen::Matrix2d X;
  X << 1.0, 2.0, 3.0, 4.0;
  const Matrix<double> J = jacobian(
      Forward, [](const auto& m) { return m(0, 1) * 10.0 + m(1, 0); }, X);
  ASSERT_EQ(J.cols(), 4u);
  EXPECT_EQ(J(0, 1), 1.0);   // X(1, 0) is the second stored coefficient
  EXPECT_EQ(J(0, 2), 10.0);  // X(0, 1) is the third
  Eigen::Matrix<double, 2, 2, Eigen::RowMajor> Xr = X;
  const Matrix<double> Jr = jacobian(
      Forward, [](const auto& m) { return m(0, 1) * 10.0 + m(1, 0); }, Xr);
  EXPECT_EQ(Jr(0, 1), 10.0);  // row-major: X(0, 1) is the second stored coefficient
  EXPECT_EQ(Jr(0, 2), 1.0);
}

}  // namespace
