#pragma once
// Eigen support: Eigen::Matrix<Dual<...>> works (NumTraits, mixed products with plain scalars), Eigen matrices and
// arrays are accepted as arguments of autodiff, gradient and jacobian, and kinase::Matrix converts to Eigen.
#include <Eigen/Core>
#include <cstddef>

#include "kinase/api/containers.hpp"
#include "kinase/core/matrix.hpp"
#include "kinase/forward.hpp"
#include "kinase/reverse.hpp"

namespace Eigen {

/// A Dual is a real (non-complex) scalar whose cost is its lanes' worth of the primal's.
template <class T, int N, class Tag>
struct NumTraits<kinase::Dual<T, N, Tag>> : GenericNumTraits<kinase::Dual<T, N, Tag>> {
  using D = kinase::Dual<T, N, Tag>;
  using Real = D;
  using NonInteger = D;
  using Nested = D;
  using Literal = D;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = (N + 1) * NumTraits<T>::ReadCost,
    AddCost = (N + 1) * NumTraits<T>::AddCost,
    MulCost = (2 * N + 1) * NumTraits<T>::MulCost
  };
  static inline D epsilon() { return D(NumTraits<T>::epsilon()); }
  static inline D dummy_precision() { return D(NumTraits<T>::dummy_precision()); }
  static inline D highest() { return D(NumTraits<T>::highest()); }
  static inline D lowest() { return D(NumTraits<T>::lowest()); }
  static inline D infinity() { return D(NumTraits<T>::infinity()); }
  static inline D quiet_NaN() { return D(NumTraits<T>::quiet_NaN()); }
  static inline int digits10() { return NumTraits<T>::digits10(); }
};

/// Dual ⊗ plain number gives a Dual, in either order, so that `Matrix<Dual> * Matrix<double>` compiles.
template <class T, int N, class Tag, class BinaryOp>
struct ScalarBinaryOpTraits<kinase::Dual<T, N, Tag>, T, BinaryOp> {
  using ReturnType = kinase::Dual<T, N, Tag>;
};
template <class T, int N, class Tag, class BinaryOp>
struct ScalarBinaryOpTraits<T, kinase::Dual<T, N, Tag>, BinaryOp> {
  using ReturnType = kinase::Dual<T, N, Tag>;
};

/// A Real (the tape's active scalar) is a real scalar too; its expressions convert to it.
template <class T>
struct NumTraits<kinase::Real<T>> : GenericNumTraits<kinase::Real<T>> {
  using R = kinase::Real<T>;
  using Real = R;
  using NonInteger = R;
  using Nested = R;
  using Literal = R;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 2 * NumTraits<T>::ReadCost,
    AddCost = 4 * NumTraits<T>::AddCost,
    MulCost = 4 * NumTraits<T>::MulCost
  };
  static inline R epsilon() { return R(NumTraits<T>::epsilon()); }
  static inline R dummy_precision() { return R(NumTraits<T>::dummy_precision()); }
  static inline R highest() { return R(NumTraits<T>::highest()); }
  static inline R lowest() { return R(NumTraits<T>::lowest()); }
  static inline R infinity() { return R(NumTraits<T>::infinity()); }
  static inline R quiet_NaN() { return R(NumTraits<T>::quiet_NaN()); }
  static inline int digits10() { return NumTraits<T>::digits10(); }
};

template <class T, class BinaryOp>
struct ScalarBinaryOpTraits<kinase::Real<T>, T, BinaryOp> {
  using ReturnType = kinase::Real<T>;
};
template <class T, class BinaryOp>
struct ScalarBinaryOpTraits<T, kinase::Real<T>, BinaryOp> {
  using ReturnType = kinase::Real<T>;
};

}  // namespace Eigen

namespace kinase {

// Functions Eigen calls on a real scalar, for the tape's Real.
template <class T>
const Real<T>& conj(const Real<T>& x) {
  return x;
}
template <class T>
const Real<T>& real(const Real<T>& x) {
  return x;
}
template <class T>
Real<T> imag(const Real<T>&) {
  return Real<T>(T(0));
}
template <class T>
Real<T> abs2(const Real<T>& x) {
  return x * x;
}

// Functions Eigen calls on a real scalar.
template <class T, int N, class Tag>
constexpr const Dual<T, N, Tag>& conj(const Dual<T, N, Tag>& x) {
  return x;
}
template <class T, int N, class Tag>
constexpr const Dual<T, N, Tag>& real(const Dual<T, N, Tag>& x) {
  return x;
}
template <class T, int N, class Tag>
constexpr Dual<T, N, Tag> imag(const Dual<T, N, Tag>&) {
  return Dual<T, N, Tag>(T(0));
}
template <class T, int N, class Tag>
constexpr Dual<T, N, Tag> abs2(const Dual<T, N, Tag>& x) {
  return x * x;
}

namespace detail {
/// Plain (owning) Eigen matrices and arrays are containers: the duals live in an object of the same shape.
template <template <class, int, int, int, int, int> class Plain, class T, int R, int C, int O, int MR, int MC>
struct eigen_plain_traits {
  using M = Plain<T, R, C, O, MR, MC>;
  using element = T;
  template <class U>
  using rebind = Plain<U, R, C, O, MR, MC>;
  template <class U>
  static rebind<U> make_like(const M& c) {
    return rebind<U>(c.rows(), c.cols());
  }
  static std::size_t size(const M& c) { return static_cast<std::size_t>(c.size()); }
  template <class S>
  static S& pass(S& storage) {
    return storage;
  }
};
}  // namespace detail

template <class T, int R, int C, int O, int MR, int MC>
struct container_traits<Eigen::Matrix<T, R, C, O, MR, MC>>
    : detail::eigen_plain_traits<Eigen::Matrix, T, R, C, O, MR, MC> {};

template <class T, int R, int C, int O, int MR, int MC>
struct container_traits<Eigen::Array<T, R, C, O, MR, MC>>
    : detail::eigen_plain_traits<Eigen::Array, T, R, C, O, MR, MC> {};

/// A Jacobian (or any kinase::Matrix) as an Eigen matrix.
template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> to_eigen(const Matrix<T>& m) {
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> out(static_cast<Eigen::Index>(m.rows()),
                                                       static_cast<Eigen::Index>(m.cols()));
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (std::size_t j = 0; j < m.cols(); ++j)
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(i, j);
  return out;
}

}  // namespace kinase
