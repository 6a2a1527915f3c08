#pragma once
// Reading ADBench's BA files (data in ../shared/adbench, format in its README):
//   input    `n m p`, then one camera (11 values), one point (3), one weight and one feature (2). The reader copies the
//            camera n times, the point m times, the weight and the feature p times; observation i uses camera i mod n
//            and point i mod m (ADBench's own expansion).
//   expected under expected/ba/:
//   - `<name>_F_Manual.txt` (test only): the line `Reprojection error:`, 2p values, the line `Zach weight error:`, p
//     values.
//   - `<name>_J_Manual.txt` (test only): the Jacobian in CSR form: `nrows ncols`, the length of the row pointer, the
//     row pointer, the number of stored entries, their column indices, then as many values.
//   - `<name>_compact_Manual.txt` (every instance): lines starting with `#` are comments; the numbers, in order, are
//     `n m p`, `nrows ncols nnz`, the two reprojection residuals of one observation, its weight residual, the 15
//     values of reprojection row 2i (11 camera columns, 3 point columns, 1 weight column), the 15 values of row
//     2i + 1 in the same column order, and the value of weight row 2p + i. Every observation in ADBench's BA files
//     is the same, so these stand for all of them.
// Errors throw std::runtime_error with the file's name and what was wrong.
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ba.hpp"
#include "gmm_io.hpp"

namespace kinase::adbench {

/// Reads an ADBench BA input file and expands it to n cameras, m points and p observations.
inline BaInput read_ba(const std::filesystem::path& file) {
  std::ifstream in = detail::open_for_reading(file);
  BaInput b;
  if (!(in >> b.n >> b.m >> b.p) || b.n <= 0 || b.m <= 0 || b.p <= 0)
    throw std::runtime_error(file.string() + ": the first line must be `n m p` with positive values");
  std::vector<double> cam, point, weight, feat;
  detail::read_numbers(in, kBaCameraParams, cam, file, "the camera");
  detail::read_numbers(in, kBaPointParams, point, file, "the point");
  detail::read_numbers(in, 1, weight, file, "the weight");
  detail::read_numbers(in, 2, feat, file, "the feature");
  return ba_expand(b.n, b.m, b.p, cam.data(), point.data(), weight[0], feat.data());
}

/// ADBench's reference residuals: 2p reprojection residuals and p weight residuals.
struct BaExpectedResiduals {
  std::vector<double> reproj_err;
  std::vector<double> w_err;
};

namespace detail {

/// Reads numbers from `in` until the end or a line that is not a number; `out` gets them.
inline void read_numbers_to_end(std::istream& in, std::vector<double>& out) {
  double v;
  while (in >> v) out.push_back(v);
}

/// Reads a line that must be `expected` (surrounding blanks and a carriage return ignored), or throws.
inline void expect_line(std::istream& in, const std::string& expected, const std::filesystem::path& file) {
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;  // a blank line
    const auto last = line.find_last_not_of(" \t\r");
    if (line.substr(first, last - first + 1) == expected) return;
    throw std::runtime_error(file.string() + ": expected the line `" + expected + "`, found `" + line + "`");
  }
  throw std::runtime_error(file.string() + ": the line `" + expected + "` is missing");
}

/// Reads `count` integers into `out`, or throws naming `what`.
inline void read_ints(std::istream& in, std::size_t count, std::vector<int>& out, const std::filesystem::path& file,
                      const char* what) {
  out.reserve(out.size() + count);
  for (std::size_t i = 0; i < count; ++i) {
    int v;
    if (!(in >> v)) throw std::runtime_error(file.string() + ": cannot read " + what);
    out.push_back(v);
  }
}

/// Throws unless nothing but blanks is left in `in`.
inline void expect_end(std::istream& in, const std::filesystem::path& file) {
  std::string extra;
  if (in >> extra) throw std::runtime_error(file.string() + ": unexpected text after the data: `" + extra + "`");
}

}  // namespace detail

/// Reads test_F_Manual.txt: the reprojection residuals (2 per observation) and the weight residuals (1 per
/// observation); their counts must agree.
inline BaExpectedResiduals read_ba_expected_residuals(const std::filesystem::path& file) {
  std::ifstream in = detail::open_for_reading(file);
  BaExpectedResiduals e;
  detail::expect_line(in, "Reprojection error:", file);
  detail::read_numbers_to_end(in, e.reproj_err);
  in.clear();  // the read stopped at the next header line
  detail::expect_line(in, "Zach weight error:", file);
  detail::read_numbers_to_end(in, e.w_err);
  if (!in.eof()) throw std::runtime_error(file.string() + ": a weight residual is not a number");
  if (e.w_err.empty() || e.reproj_err.size() != 2 * e.w_err.size())
    throw std::runtime_error(file.string() + ": " + std::to_string(e.reproj_err.size()) +
                             " reprojection residuals for " + std::to_string(e.w_err.size()) +
                             " weight residuals (expected twice as many)");
  return e;
}

/// Reads test_J_Manual.txt, a sparse matrix in CSR form, and checks that it is consistent (row pointer from 0, not
/// decreasing, ending at the number of entries; column indices within ncols).
inline BaSparseJacobian read_ba_expected_jacobian(const std::filesystem::path& file) {
  std::ifstream in = detail::open_for_reading(file);
  BaSparseJacobian j;
  if (!(in >> j.nrows >> j.ncols) || j.nrows < 0 || j.ncols < 0)
    throw std::runtime_error(file.string() + ": the first line must be `nrows ncols`");
  int row_count = 0, entry_count = 0;
  if (!(in >> row_count) || row_count != j.nrows + 1)
    throw std::runtime_error(file.string() +
                             ": the row pointer's length must be nrows + 1 = " + std::to_string(j.nrows + 1));
  detail::read_ints(in, static_cast<std::size_t>(row_count), j.rows, file, "the row pointer");
  if (!(in >> entry_count) || entry_count < 0)
    throw std::runtime_error(file.string() + ": cannot read the number of column indices");
  const auto nnz = static_cast<std::size_t>(entry_count);
  detail::read_ints(in, nnz, j.cols, file, "the column indices");
  detail::read_numbers(in, nnz, j.vals, file, "the values");
  detail::expect_end(in, file);
  if (j.rows.front() != 0 || j.rows.back() != entry_count)
    throw std::runtime_error(file.string() + ": the row pointer must run from 0 to the number of entries");
  for (std::size_t r = 1; r < j.rows.size(); ++r)
    if (j.rows[r] < j.rows[r - 1]) throw std::runtime_error(file.string() + ": the row pointer decreases");
  for (int c : j.cols)
    if (c < 0 || c >= j.ncols) throw std::runtime_error(file.string() + ": a column index is out of range");
  return j;
}

/// The compact reference for one BA instance (see the header comment for the file's layout): the sizes and the
/// residuals and Jacobian block that every observation shares.
struct BaCompactExpected {
  int n = 0, m = 0, p = 0;
  int nrows = 0, ncols = 0, nnz = 0;
  std::array<double, 2> reproj_err{};
  double w_err = 0.0;
  std::array<std::array<double, kBaBlockParams>, 2> block{};  ///< rows 2i and 2i + 1
  double w_jac = 0.0;                                         ///< d(1 − w²)/dw, the value of row 2p + i
};

/// Reads `<name>_compact_Manual.txt`.
inline BaCompactExpected read_ba_compact(const std::filesystem::path& file) {
  std::ifstream raw = detail::open_for_reading(file);
  std::stringstream in;  // the file without its comment lines
  for (std::string line; std::getline(raw, line);)
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] != '#')
      in << line << '\n';
  BaCompactExpected e;
  if (!(in >> e.n >> e.m >> e.p)) throw std::runtime_error(file.string() + ": cannot read `n m p`");
  if (!(in >> e.nrows >> e.ncols >> e.nnz)) throw std::runtime_error(file.string() + ": cannot read `nrows ncols nnz`");
  std::vector<double> v;
  detail::read_numbers(in, 2, v, file, "the reprojection residuals");
  detail::read_numbers(in, 1, v, file, "the weight residual");
  detail::read_numbers(in, 2 * kBaBlockParams, v, file, "the two Jacobian rows of an observation");
  detail::read_numbers(in, 1, v, file, "the Jacobian value of the weight row");
  detail::expect_end(in, file);
  std::size_t k = 0;
  for (double& x : e.reproj_err) x = v[k++];
  e.w_err = v[k++];
  for (auto& row : e.block)
    for (double& x : row) x = v[k++];
  e.w_jac = v[k];
  return e;
}

}  // namespace kinase::adbench
