#pragma once
// Reading ADBench's GMM files (data in ../shared/adbench, format in its README):
//   input    `d k n`, k alphas, k means (d values each), k icf rows (d(d+1)/2 values each), n points (d values each),
//            then `gamma m`;
//   expected `<name>_F_Manual.txt` (the objective) and `<name>_J_Manual.txt` (the gradient, one value a line, in the
//            parameter order alphas, means, icf) under expected/gmm/<same folder>.
// Errors throw std::runtime_error with the file's name and what was wrong.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "gmm.hpp"

namespace kinase::adbench {

namespace detail {

inline std::ifstream open_for_reading(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  return in;
}

/// Reads `count` numbers into `out` (appended), or throws naming `what`.
inline void read_numbers(std::istream& in, std::size_t count, std::vector<double>& out,
                         const std::filesystem::path& file, const char* what) {
  out.reserve(out.size() + count);
  for (std::size_t i = 0; i < count; ++i) {
    double v;
    if (!(in >> v)) throw std::runtime_error(file.string() + ": cannot read " + what);
    out.push_back(v);
  }
}

}  // namespace detail

/// Reads an ADBench GMM input file. Files from the 2.5M set store one point for all n (ADBench's `-rep`); pass
/// `replicate_point` to copy it.
inline GmmInput read_gmm_input(const std::filesystem::path& file, bool replicate_point = false) {
  std::ifstream in = detail::open_for_reading(file);
  GmmInput g;
  if (!(in >> g.d >> g.k >> g.n) || g.d <= 0 || g.k <= 0 || g.n <= 0)
    throw std::runtime_error(file.string() + ": the first line must be `d k n` with positive values");
  const auto d = static_cast<std::size_t>(g.d), k = static_cast<std::size_t>(g.k), n = static_cast<std::size_t>(g.n);
  detail::read_numbers(in, k, g.alphas, file, "the alphas");
  detail::read_numbers(in, k * d, g.means, file, "the means");
  detail::read_numbers(in, k * gmm_icf_size(g.d), g.icf, file, "the icf");
  detail::read_numbers(in, replicate_point ? d : n * d, g.x, file, "the points");
  if (replicate_point)
    for (std::size_t i = 1; i < n; ++i) g.x.insert(g.x.end(), g.x.begin(), g.x.begin() + static_cast<long>(d));
  if (!(in >> g.gamma >> g.m)) throw std::runtime_error(file.string() + ": cannot read the Wishart prior `gamma m`");
  return g;
}

/// ADBench's reference results for one GMM input: the objective and its gradient.
struct GmmExpected {
  double objective = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> gradient;
};

/// The expected/ files for an input at `data_dir`/`relative_input` (e.g. "gmm/1k/gmm_d10_K25.txt"):
/// expected/gmm/1k/gmm_d10_K25_F_Manual.txt and ..._J_Manual.txt.
inline std::filesystem::path gmm_expected_path(const std::filesystem::path& data_dir,
                                               const std::filesystem::path& relative_input, const char* kind) {
  const std::filesystem::path folder = data_dir / "expected" / relative_input.parent_path();
  return folder / (relative_input.stem().string() + "_" + kind + "_Manual.txt");
}

/// True when both expected files exist for the input.
inline bool has_gmm_expected(const std::filesystem::path& data_dir, const std::filesystem::path& relative_input) {
  return std::filesystem::exists(gmm_expected_path(data_dir, relative_input, "F")) &&
         std::filesystem::exists(gmm_expected_path(data_dir, relative_input, "J"));
}

/// Reads the expected objective and gradient; `parameters` is the gradient's length (the file must hold exactly
/// that many values).
inline GmmExpected read_gmm_expected(const std::filesystem::path& data_dir, const std::filesystem::path& relative_input,
                                     std::size_t parameters) {
  GmmExpected e;
  const std::filesystem::path f_file = gmm_expected_path(data_dir, relative_input, "F");
  std::ifstream f = detail::open_for_reading(f_file);
  if (!(f >> e.objective)) throw std::runtime_error(f_file.string() + ": cannot read the objective");
  const std::filesystem::path j_file = gmm_expected_path(data_dir, relative_input, "J");
  std::ifstream j = detail::open_for_reading(j_file);
  detail::read_numbers(j, parameters, e.gradient, j_file, "the gradient");
  double extra;
  if (j >> extra)
    throw std::runtime_error(j_file.string() + ": more values than the " + std::to_string(parameters) + " parameters");
  return e;
}

/// ADBench's acceptance test for one value: |a − b| / max(1, |a| + |b|).
inline double adbench_difference(double a, double b) {
  const double scale = std::abs(a) + std::abs(b);
  return std::abs(a - b) / (scale > 1.0 ? scale : 1.0);
}

}  // namespace kinase::adbench
