#pragma once
// Matrix-level rules for Eigen (#include <kinase/linalg.hpp>): each function is ONE tape entry (or one jvp call per
// forward sweep) with the matrix identity as its rule, evaluated by Eigen on the values, instead of one statement
// per scalar operation. They take Eigen matrices and vectors of any Kinase scalar (double, Dual, Real, nests) and
// work in forward, reverse and nested modes (the rules are written generically, so the level below is
// differentiated too). Identities (X̄ is the adjoint, dX the tangent):
//   C = A B                  dC = dA B + A dB              Ā = C̄ Bᵀ, B̄ = Aᵀ C̄
//   C = Aᵀ                   dC = dAᵀ                      Ā = C̄ᵀ
//   s = Σ aᵢ bᵢ  (dot)       ds = da·b + a·db              ā = s̄ b, b̄ = s̄ a
//   s = Σ aᵢⱼ   (sum)        ds = Σ daᵢⱼ                   Ā = s̄ 𝟙
//   X = A⁻¹ B   (solve, LU)  dX = A⁻¹ (dB − dA X)          B̄ = A⁻ᵀ X̄, Ā = −B̄ Xᵀ
//   X = A⁻¹ B   (solve_spd)  as solve, A symmetric positive definite, read from its lower triangle (Eigen's LLT)
//   L = chol(A)              dL = L Φ(L⁻¹ dA L⁻ᵀ)          Ā = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹   (Φ: lower triangle, diagonal halved)
//   s = log |det A|          ds = tr(A⁻¹ dA)               Ā = s̄ A⁻ᵀ
//   Y = A⁻¹                  dY = −Y dA Y                  Ā = −Yᵀ Ȳ Yᵀ
// solve_spd and cholesky read only A's lower triangle, as Eigen's LLT does: their derivative with respect to the
// strictly upper entries is 0, and a lower entry's derivative counts its mirror (tril(G) + tril(Gᵀ, −1)).
// A singular A (a zero pivot) in solve, inverse and log_determinant, and an A that is not positive definite in
// solve_spd and cholesky, throw kinase::Error.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "kinase/api/external.hpp"
#include "kinase/core/error.hpp"
#include "kinase/eigen.hpp"

namespace kinase::linalg {

template <class S>
using MatrixX = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
template <class S>
using VectorX = Eigen::Matrix<S, Eigen::Dynamic, 1>;

namespace detail {

template <class T>
using CMap = Eigen::Map<const MatrixX<T>>;
template <class T>
using MMap = Eigen::Map<MatrixX<T>>;

/// Column-major views of a span: the matrix at `offset` with r rows and c columns.
template <class T>
CMap<T> view(std::span<const T> s, std::size_t offset, Eigen::Index r, Eigen::Index c) {
  return CMap<T>(s.data() + offset, r, c);
}
template <class T>
MMap<T> view(std::span<T> s, std::size_t offset, Eigen::Index r, Eigen::Index c) {
  return MMap<T>(s.data() + offset, r, c);
}

/// The lanes of a lane-major span of `per_lane` values each.
inline std::size_t lanes_of(std::size_t total, std::size_t per_lane) { return per_lane == 0 ? 0 : total / per_lane; }

/// tril(G) + tril(Gᵀ, −1): the derivative with respect to a matrix read from its lower triangle.
template <class M>
auto lower_reading(const M& g) {
  using T = typename M::Scalar;
  MatrixX<T> r = MatrixX<T>::Zero(g.rows(), g.cols());
  for (Eigen::Index j = 0; j < g.cols(); ++j)
    for (Eigen::Index i = j; i < g.rows(); ++i) r(i, j) = i == j ? T(g(i, i)) : T(g(i, j) + g(j, i));
  return r;
}
/// The symmetric matrix a lower triangle stands for: tril(A) + tril(A, −1)ᵀ.
template <class M>
auto symmetric_from_lower(const M& a) {
  using T = typename M::Scalar;
  MatrixX<T> r(a.rows(), a.cols());
  for (Eigen::Index j = 0; j < a.cols(); ++j)
    for (Eigen::Index i = 0; i < a.rows(); ++i) r(i, j) = i >= j ? T(a(i, j)) : T(a(j, i));
  return r;
}
/// Φ(M): the lower triangle with the diagonal halved.
template <class M>
auto phi(const M& m) {
  using T = typename M::Scalar;
  MatrixX<T> r = MatrixX<T>::Zero(m.rows(), m.cols());
  for (Eigen::Index j = 0; j < m.cols(); ++j) {
    r(j, j) = T(m(j, j)) * T(0.5);
    for (Eigen::Index i = j + 1; i < m.rows(); ++i) r(i, j) = m(i, j);
  }
  return r;
}

/// The elements of an Eigen object as pointers (the form of kinase::detail::call_external), after `into`.
template <class E, class P>
void append_pointers(const E& e, std::vector<P>& into) {
  for (Eigen::Index k = 0; k < e.size(); ++k) into.push_back(e.data() + k);
}

template <class D>
inline constexpr bool plain_col_major = std::is_base_of_v<Eigen::PlainObjectBase<D>, D> &&
                                        (!D::IsRowMajor || D::ColsAtCompileTime == 1 || D::RowsAtCompileTime == 1);
/// An Eigen::Map of a plain column-major object with the default (packed) strides: contiguous too.
template <class M>
inline constexpr bool plain_col_major<Eigen::Map<M, Eigen::Unaligned, Eigen::Stride<0, 0>>> = plain_col_major<M>;
template <class M>
inline constexpr bool plain_col_major<Eigen::Map<const M, Eigen::Unaligned, Eigen::Stride<0, 0>>> = plain_col_major<M>;

/// The argument itself when it is a plain column-major object or a packed Map of one (its data is contiguous, column
/// by column), else a copy as a MatrixX.
template <class D>
decltype(auto) plain(const Eigen::MatrixBase<D>& a) {
  if constexpr (plain_col_major<D>)
    return (a.derived());
  else
    return MatrixX<typename D::Scalar>(a);
}

template <class D>
void check_square(const Eigen::MatrixBase<D>& a, const char* who) {
  if (a.rows() != a.cols())
    throw Error(std::string(who) + ": the matrix A must be square, but it is " + std::to_string(a.rows()) + "×" +
                std::to_string(a.cols()));
}

/// A zero pivot of an LU factorization: A is singular, and X = A⁻¹ B, A⁻¹ and the derivative of log |det A| do not
/// exist.
template <class F>
void check_lu(const F& f, const char* who) {
  for (Eigen::Index i = 0; i < f.matrixLU().rows(); ++i)
    if (kinase::base_value(f.matrixLU()(i, i)) == 0)
      throw Error(std::string(who) + ": A is singular (its LU factorization has a zero pivot)");
}

/// The LU factorization (partial pivoting) of the n×n matrix at the start of a span.
template <class T>
Eigen::PartialPivLU<MatrixX<T>> lu_of(std::span<const T> a, Eigen::Index n) {
  return Eigen::PartialPivLU<MatrixX<T>>(MatrixX<T>(view(a, 0, n, n)));
}

/// Calls rule `fn` on the elements of the inputs, writing the result's elements.
template <class Fn, class Result, class... In>
void run(const Fn& fn, Result& result, const In&... in) {
  using S = typename Result::Scalar;
  std::vector<const S*> x;
  (append_pointers(in, x), ...);
  std::vector<S*> y;
  for (Eigen::Index k = 0; k < result.size(); ++k) y.push_back(result.data() + k);
  kinase::detail::call_external(fn, x, y);
}

}  // namespace detail

/// C = A B.
template <class DA, class DB>
auto matmul(const Eigen::MatrixBase<DA>& A_, const Eigen::MatrixBase<DB>& B_) {
  using S = typename DA::Scalar;
  static_assert(std::is_same_v<S, typename DB::Scalar>, "kinase::linalg::matmul: A and B must have one scalar type");
  using R = Eigen::Matrix<S, Eigen::Dynamic, DB::ColsAtCompileTime == 1 ? 1 : Eigen::Dynamic>;
  const auto& A = detail::plain(A_);
  const auto& B = detail::plain(B_);
  if (A.cols() != B.rows())
    throw Error("kinase::linalg::matmul: A has " + std::to_string(A.cols()) + " columns but B has " +
                std::to_string(B.rows()) + " rows");
  R C(A.rows(), B.cols());
  if constexpr (std::is_arithmetic_v<S>) {
    C.noalias() = A * B;
  } else {
    const Eigen::Index r = A.rows(), k = A.cols(), c = B.cols();
    const std::size_t na = static_cast<std::size_t>(r * k);
    auto fn = external("matmul",
                       [=](auto x, auto y) {
                         detail::view(y, 0, r, c).noalias() = detail::view(x, 0, r, k) * detail::view(x, na, k, c);
                       })
                  .with_jvp([=](auto x, auto, auto dx, auto dy) {
                    const std::size_t n = x.size();
                    const std::size_t L = detail::lanes_of(dx.size(), n);
                    for (std::size_t l = 0; l < L; ++l) {
                      auto out = detail::view(dy, l * static_cast<std::size_t>(r * c), r, c);
                      out.noalias() = detail::view(dx, l * n, r, k) * detail::view(x, na, k, c);
                      out.noalias() += detail::view(x, 0, r, k) * detail::view(dx, l * n + na, k, c);
                    }
                  })
                  .with_vjp([=](auto x, auto, auto ybar, auto xbar) {
                    const std::size_t n = x.size(), m = static_cast<std::size_t>(r * c);
                    const std::size_t L = detail::lanes_of(ybar.size(), m);
                    for (std::size_t l = 0; l < L; ++l) {
                      const auto cbar = detail::view(ybar, l * m, r, c);
                      detail::view(xbar, l * n, r, k).noalias() = cbar * detail::view(x, na, k, c).transpose();
                      detail::view(xbar, l * n + na, k, c).noalias() = detail::view(x, 0, r, k).transpose() * cbar;
                    }
                  });
    detail::run(fn, C, A, B);
  }
  return C;
}

/// Aᵀ.
template <class DA>
auto transpose(const Eigen::MatrixBase<DA>& A_) {
  using S = typename DA::Scalar;
  const auto& A = detail::plain(A_);
  MatrixX<S> C(A.cols(), A.rows());
  if constexpr (std::is_arithmetic_v<S>) {
    C = A.transpose();
  } else {
    const Eigen::Index r = A.rows(), c = A.cols();
    const std::size_t n = static_cast<std::size_t>(r * c);
    auto lanes_transpose = [=](auto in, auto out) {
      for (std::size_t l = 0; l < detail::lanes_of(in.size(), n); ++l)
        detail::view(out, l * n, c, r) = detail::view(in, l * n, r, c).transpose();
    };
    auto back = [=](auto in, auto out) {
      for (std::size_t l = 0; l < detail::lanes_of(in.size(), n); ++l)
        detail::view(out, l * n, r, c) = detail::view(in, l * n, c, r).transpose();
    };
    auto fn = external("transpose", lanes_transpose)
                  .with_jvp([=](auto, auto, auto dx, auto dy) { lanes_transpose(dx, dy); })
                  .with_vjp([=](auto, auto, auto ybar, auto xbar) { back(ybar, xbar); });
    detail::run(fn, C, A);
  }
  return C;
}

/// Σᵢⱼ aᵢⱼ bᵢⱼ (a and b of one shape: vectors, or matrices with the Frobenius product).
template <class DA, class DB>
auto dot(const Eigen::MatrixBase<DA>& a_, const Eigen::MatrixBase<DB>& b_) {
  using S = typename DA::Scalar;
  static_assert(std::is_same_v<S, typename DB::Scalar>, "kinase::linalg::dot: a and b must have one scalar type");
  const auto& a = detail::plain(a_);
  const auto& b = detail::plain(b_);
  if (a.rows() != b.rows() || a.cols() != b.cols())
    throw Error("kinase::linalg::dot: a is " + std::to_string(a.rows()) + "×" + std::to_string(a.cols()) +
                " but b is " + std::to_string(b.rows()) + "×" + std::to_string(b.cols()));
  if constexpr (std::is_arithmetic_v<S>) {
    return S(a.cwiseProduct(b).sum());
  } else {
    const Eigen::Index n = a.size();
    const std::size_t un = static_cast<std::size_t>(n);
    auto fn = external("dot",
                       [=](auto x, auto y) {
                         y[0] = (detail::view(x, 0, n, 1).transpose() * detail::view(x, un, n, 1)).value();
                       })
                  .with_jvp([=](auto x, auto, auto dx, auto dy) {
                    for (std::size_t l = 0; l < dy.size(); ++l)
                      dy[l] = (detail::view(dx, l * 2 * un, n, 1).transpose() * detail::view(x, un, n, 1)).value() +
                              (detail::view(x, 0, n, 1).transpose() * detail::view(dx, l * 2 * un + un, n, 1)).value();
                  })
                  .with_vjp([=](auto x, auto, auto ybar, auto xbar) {
                    for (std::size_t l = 0; l < ybar.size(); ++l) {
                      detail::view(xbar, l * 2 * un, n, 1) = detail::view(x, un, n, 1) * ybar[l];
                      detail::view(xbar, l * 2 * un + un, n, 1) = detail::view(x, 0, n, 1) * ybar[l];
                    }
                  });
    Eigen::Matrix<S, 1, 1> s;
    detail::run(fn, s, a, b);
    return S(std::move(s(0)));
  }
}

/// Σᵢⱼ aᵢⱼ.
template <class DA>
auto sum(const Eigen::MatrixBase<DA>& a_) {
  using S = typename DA::Scalar;
  const auto& a = detail::plain(a_);
  if constexpr (std::is_arithmetic_v<S>) {
    return S(a.sum());
  } else {
    const Eigen::Index n = a.size();
    const std::size_t un = static_cast<std::size_t>(n);
    auto fn = external("sum", [=](auto x, auto y) { y[0] = detail::view(x, 0, n, 1).sum(); })
                  .with_jvp([=](auto, auto, auto dx, auto dy) {
                    for (std::size_t l = 0; l < dy.size(); ++l) dy[l] = detail::view(dx, l * un, n, 1).sum();
                  })
                  .with_vjp([=](auto, auto, auto ybar, auto xbar) {
                    for (std::size_t l = 0; l < ybar.size(); ++l) detail::view(xbar, l * un, n, 1).setConstant(ybar[l]);
                  });
    Eigen::Matrix<S, 1, 1> s;
    detail::run(fn, s, a);
    return S(std::move(s(0)));
  }
}

namespace detail {

/// X = A⁻¹ B through a factorization F (PartialPivLU, or LLT reading the lower triangle when Spd), kept between
/// the primal and the rules of one call.
template <bool Spd, class S, class DA, class DB>
auto solve_with(const Eigen::MatrixBase<DA>& A_, const Eigen::MatrixBase<DB>& B_, const char* who) {
  using R = Eigen::Matrix<S, Eigen::Dynamic, DB::ColsAtCompileTime == 1 ? 1 : Eigen::Dynamic>;
  const auto& A = plain(A_);
  const auto& B = plain(B_);
  check_square(A, who);
  if (A.rows() != B.rows())
    throw Error(std::string(who) + ": A has " + std::to_string(A.rows()) + " rows but B has " +
                std::to_string(B.rows()) + " rows");
  R X(B.rows(), B.cols());
  const Eigen::Index n = A.rows(), c = B.cols();
  const std::size_t na = static_cast<std::size_t>(n * n), m = static_cast<std::size_t>(n * c);
  auto factor = [](const auto& a) {
    using T = typename std::remove_cvref_t<decltype(a)>::Scalar;
    if constexpr (Spd) {
      Eigen::LLT<MatrixX<T>> f(a);
      return f;
    } else {
      Eigen::PartialPivLU<MatrixX<T>> f(a);
      return f;
    }
  };
  auto check = [who](const auto& f) {
    if constexpr (Spd) {
      if (f.info() != Eigen::Success)
        throw Error(std::string(who) + ": A is not symmetric positive definite (its Cholesky factorization failed)");
    } else {
      check_lu(f, who);
    }
  };
  if constexpr (std::is_arithmetic_v<S>) {
    const auto f = factor(MatrixX<S>(A));
    check(f);
    X = f.solve(B);
  } else {
    auto fn = external(who,
                       [=](auto x, auto y) {
                         const auto f = factor(MatrixX<typename decltype(y)::element_type>(view(x, 0, n, n)));
                         check(f);
                         view(y, 0, n, c) = f.solve(view(x, na, n, c));
                       })
                  .with_jvp([=](auto x, auto y, auto dx, auto dy) {
                    using T = typename decltype(dy)::element_type;
                    const auto f = factor(MatrixX<T>(view(x, 0, n, n)));
                    const std::size_t L = lanes_of(dx.size(), x.size());
                    for (std::size_t l = 0; l < L; ++l) {
                      const auto dA = view(dx, l * x.size(), n, n);
                      MatrixX<T> rhs = view(dx, l * x.size() + na, n, c);
                      if constexpr (Spd)
                        rhs.noalias() -= symmetric_from_lower(dA) * view(y, 0, n, c);
                      else
                        rhs.noalias() -= dA * view(y, 0, n, c);
                      view(dy, l * m, n, c) = f.solve(rhs);
                    }
                  })
                  .with_vjp([=](auto x, auto y, auto ybar, auto xbar) {
                    using T = typename decltype(xbar)::element_type;
                    const auto f = factor(MatrixX<T>(view(x, 0, n, n)));
                    const std::size_t L = lanes_of(ybar.size(), m);
                    for (std::size_t l = 0; l < L; ++l) {
                      MatrixX<T> bbar;
                      if constexpr (Spd)
                        bbar = f.solve(view(ybar, l * m, n, c));
                      else
                        bbar = f.transpose().solve(view(ybar, l * m, n, c));
                      MatrixX<T> g = -(bbar * view(y, 0, n, c).transpose());
                      if constexpr (Spd)
                        view(xbar, l * x.size(), n, n) = lower_reading(g);
                      else
                        view(xbar, l * x.size(), n, n) = g;
                      view(xbar, l * x.size() + na, n, c) = bbar;
                    }
                  });
    run(fn, X, A, B);
  }
  return X;
}

}  // namespace detail

/// X = A⁻¹ B by LU with partial pivoting (B a matrix or a vector).
template <class DA, class DB>
auto solve(const Eigen::MatrixBase<DA>& A, const Eigen::MatrixBase<DB>& B) {
  static_assert(std::is_same_v<typename DA::Scalar, typename DB::Scalar>,
                "kinase::linalg::solve: A and B must have one scalar type");
  return detail::solve_with<false, typename DA::Scalar>(A, B, "kinase::linalg::solve");
}

/// X = A⁻¹ B for A symmetric positive definite, by Cholesky (LLT), reading A's lower triangle.
template <class DA, class DB>
auto solve_spd(const Eigen::MatrixBase<DA>& A, const Eigen::MatrixBase<DB>& B) {
  static_assert(std::is_same_v<typename DA::Scalar, typename DB::Scalar>,
                "kinase::linalg::solve_spd: A and B must have one scalar type");
  return detail::solve_with<true, typename DA::Scalar>(A, B, "kinase::linalg::solve_spd");
}

/// The lower Cholesky factor L of a symmetric positive definite A (A = L Lᵀ), reading A's lower triangle.
template <class DA>
auto cholesky(const Eigen::MatrixBase<DA>& A_) {
  using S = typename DA::Scalar;
  const auto& A = detail::plain(A_);
  detail::check_square(A, "kinase::linalg::cholesky");
  const Eigen::Index n = A.rows();
  const std::size_t nn = static_cast<std::size_t>(n * n);
  auto factor = [n](auto a, auto l) {
    using T = typename decltype(l)::element_type;
    Eigen::LLT<MatrixX<T>> f(MatrixX<T>(detail::view(a, 0, n, n)));
    if (f.info() != Eigen::Success)
      throw Error("kinase::linalg::cholesky: A is not symmetric positive definite (its factorization failed)");
    detail::view(l, 0, n, n) = f.matrixL();
  };
  MatrixX<S> L(n, n);
  if constexpr (std::is_arithmetic_v<S>) {
    factor(std::span<const S>(A.data(), nn), std::span<S>(L.data(), nn));
  } else {
    auto fn = external("cholesky", factor)
                  .with_jvp([=](auto, auto y, auto dx, auto dy) {
                    using T = typename decltype(dy)::element_type;
                    const auto Lv = detail::view(y, 0, n, n);
                    for (std::size_t l = 0; l < detail::lanes_of(dx.size(), nn); ++l) {
                      // M = L⁻¹ dA L⁻ᵀ, dL = L Φ(M)
                      MatrixX<T> M = detail::symmetric_from_lower(detail::view(dx, l * nn, n, n));
                      Lv.template triangularView<Eigen::Lower>().solveInPlace(M);
                      MatrixX<T> Mt = M.transpose();
                      Lv.template triangularView<Eigen::Lower>().solveInPlace(Mt);
                      detail::view(dy, l * nn, n, n).noalias() =
                          Lv.template triangularView<Eigen::Lower>() * detail::phi(Mt);
                    }
                  })
                  .with_vjp([=](auto, auto y, auto ybar, auto xbar) {
                    using T = typename decltype(xbar)::element_type;
                    const auto Lv = detail::view(y, 0, n, n);
                    for (std::size_t l = 0; l < detail::lanes_of(ybar.size(), nn); ++l) {
                      // P = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Ā = tril(P) + tril(Pᵀ, −1)
                      MatrixX<T> Lbar = detail::view(ybar, l * nn, n, n).template triangularView<Eigen::Lower>();
                      MatrixX<T> P = detail::phi(MatrixX<T>(Lv.transpose() * Lbar));
                      Lv.transpose().template triangularView<Eigen::Upper>().solveInPlace(P);
                      MatrixX<T> Pt = P.transpose();
                      Lv.transpose().template triangularView<Eigen::Upper>().solveInPlace(Pt);
                      detail::view(xbar, l * nn, n, n) = detail::lower_reading(Pt.transpose());
                    }
                  });
    detail::run(fn, L, A);
  }
  return L;
}

/// log |det A| by LU with partial pivoting.
template <class DA>
auto log_determinant(const Eigen::MatrixBase<DA>& A_) {
  using S = typename DA::Scalar;
  const auto& A = detail::plain(A_);
  detail::check_square(A, "kinase::linalg::log_determinant");
  const Eigen::Index n = A.rows();
  const std::size_t nn = static_cast<std::size_t>(n * n);
  auto primal = [n](auto a, auto y) {
    using T = typename decltype(y)::element_type;
    const auto f = detail::lu_of(a, n);
    detail::check_lu(f, "kinase::linalg::log_determinant");
    T s(0);
    using std::abs;
    using std::log;
    for (Eigen::Index i = 0; i < n; ++i) s += log(abs(f.matrixLU()(i, i)));
    y[0] = s;
  };
  if constexpr (std::is_arithmetic_v<S>) {
    S s;
    primal(std::span<const S>(A.data(), nn), std::span<S>(&s, 1));
    return s;
  } else {
    auto fn = external("log_determinant", primal)
                  .with_jvp([=](auto x, auto, auto dx, auto dy) {
                    using T = typename decltype(dy)::element_type;
                    const auto f = detail::lu_of(x, n);
                    for (std::size_t l = 0; l < dy.size(); ++l)
                      dy[l] = f.solve(MatrixX<T>(detail::view(dx, l * nn, n, n))).trace();
                  })
                  .with_vjp([=](auto x, auto, auto ybar, auto xbar) {
                    using T = typename decltype(xbar)::element_type;
                    const auto f = detail::lu_of(x, n);
                    const MatrixX<T> inv_t = f.inverse().transpose();
                    for (std::size_t l = 0; l < ybar.size(); ++l) detail::view(xbar, l * nn, n, n) = inv_t * ybar[l];
                  });
    Eigen::Matrix<S, 1, 1> s;
    detail::run(fn, s, A);
    return S(std::move(s(0)));
  }
}

/// A⁻¹ by LU with partial pivoting.
template <class DA>
auto inverse(const Eigen::MatrixBase<DA>& A_) {
  using S = typename DA::Scalar;
  const auto& A = detail::plain(A_);
  detail::check_square(A, "kinase::linalg::inverse");
  const Eigen::Index n = A.rows();
  const std::size_t nn = static_cast<std::size_t>(n * n);
  auto primal = [n](auto a, auto y) {
    const auto f = detail::lu_of(a, n);
    detail::check_lu(f, "kinase::linalg::inverse");
    detail::view(y, 0, n, n) = f.inverse();
  };
  MatrixX<S> Y(n, n);
  if constexpr (std::is_arithmetic_v<S>) {
    primal(std::span<const S>(A.data(), nn), std::span<S>(Y.data(), nn));
  } else {
    auto fn = external("inverse", primal)
                  .with_jvp([=](auto, auto y, auto dx, auto dy) {
                    const auto Yv = detail::view(y, 0, n, n);
                    for (std::size_t l = 0; l < detail::lanes_of(dx.size(), nn); ++l)
                      detail::view(dy, l * nn, n, n).noalias() = -(Yv * detail::view(dx, l * nn, n, n) * Yv);
                  })
                  .with_vjp([=](auto, auto y, auto ybar, auto xbar) {
                    const auto Yv = detail::view(y, 0, n, n);
                    for (std::size_t l = 0; l < detail::lanes_of(ybar.size(), nn); ++l)
                      detail::view(xbar, l * nn, n, n).noalias() =
                          -(Yv.transpose() * detail::view(ybar, l * nn, n, n) * Yv.transpose());
                  });
    detail::run(fn, Y, A);
  }
  return Y;
}

}  // namespace kinase::linalg
