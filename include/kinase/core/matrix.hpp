#pragma once
// kinase::Matrix: the dense, row-major result of `jacobian` (no dependency on Eigen; <kinase/eigen.hpp> converts).
#include <cstddef>
#include <ostream>
#include <vector>

namespace kinase {

/// A dense rows × cols matrix stored row by row; J(i, j) = ∂f_i/∂x_j for a Jacobian.
template <class T>
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols, T(0)) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  T& operator()(std::size_t i, std::size_t j) { return data_[i * cols_ + j]; }
  const T& operator()(std::size_t i, std::size_t j) const { return data_[i * cols_ + j]; }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }

  friend bool operator==(const Matrix&, const Matrix&) = default;

  friend std::ostream& operator<<(std::ostream& os, const Matrix& m) {
    os << '[';
    for (std::size_t i = 0; i < m.rows_; ++i) {
      os << (i ? ", [" : "[");
      for (std::size_t j = 0; j < m.cols_; ++j) os << (j ? ", " : "") << m(i, j);
      os << ']';
    }
    return os << ']';
  }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<T> data_;
};

}  // namespace kinase
