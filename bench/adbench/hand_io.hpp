#pragma once
// Reading ADBench's hand-tracking files (data in ../shared/adbench, format in its README):
//   model    a folder with three files whose fields are separated by `:`, one item a line:
//            bones.txt      `name:parent:16 values of the base relative transform:16 values of the inverse base
//                           absolute transform` (4 × 4, row-major), 22 bones in ADBench's order;
//            vertices.txt   `x:y:z:5 unused values:n:bone_1:weight_1:…:bone_n:weight_n`;
//            triangles.txt  `v1:v2:v3`.
//            (anchors.txt and atl_triangle_labels.txt are not read, as in ADBench's C++ reader.)
//   input    `N n_theta` (n_theta = 26); N lines `correspondence x y z`; for the complicated variant N lines `u1 u2`;
//            n_theta values of θ. The model is the folder `model` next to the input file.
//   expected `<name>_F_Manual.txt` (3N residuals, one a line) and `<name>_J_Manual.txt` (the dense Jacobian, one
//            tab-separated row a line, 3N rows of 26 or 28 values) under expected/<same folder>.
// Errors throw std::runtime_error with the file's name and what was wrong. The helpers for opening files, reading
// numbers and locating expected/ files are gmm_io.hpp's, which do not depend on the problem.
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <kinase/kinase.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gmm_io.hpp"
#include "hand.hpp"

namespace kinase::adbench {

namespace detail {

/// The non-blank lines of a model file, each split at `:` (a trailing carriage return removed).
inline std::vector<std::vector<std::string>> hand_read_fields(const std::filesystem::path& file) {
  std::ifstream in = open_for_reading(file);
  std::vector<std::vector<std::string>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      const std::size_t colon = line.find(':', start);
      fields.push_back(line.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    lines.push_back(std::move(fields));
  }
  return lines;
}

/// One field as a number, or throws naming the file and the line (counted from 1 among the non-blank lines).
inline double hand_number(const std::string& field, const std::filesystem::path& file, std::size_t line) {
  const char* begin = field.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || std::string(end).find_first_not_of(" \t") != std::string::npos)
    throw std::runtime_error(file.string() + ", line " + std::to_string(line + 1) + ": `" + field +
                             "` is not a number");
  return v;
}

/// One field as an integer in [lo, hi), or throws.
inline int hand_index(const std::string& field, int lo, int hi, const std::filesystem::path& file, std::size_t line,
                      const char* what) {
  const double v = hand_number(field, file, line);
  if (!(v >= lo && v < hi) || v != static_cast<double>(static_cast<int>(v)))
    throw std::runtime_error(file.string() + ", line " + std::to_string(line + 1) + ": " + what + " `" + field +
                             "` is not an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
  return static_cast<int>(v);
}

/// Reads a 4 × 4 row-major transform from fields[first .. first + 15], which must be affine (last row 0 0 0 1).
inline HandAffine<double> hand_affine(const std::vector<std::string>& fields, std::size_t first,
                                      const std::filesystem::path& file, std::size_t line) {
  HandAffine<double> m;
  for (std::size_t e = 0; e < 12; ++e) m[e] = hand_number(fields[first + e], file, line);
  for (std::size_t e = 12; e < 16; ++e)
    if (hand_number(fields[first + e], file, line) != (e == 15 ? 1.0 : 0.0))
      throw std::runtime_error(file.string() + ", line " + std::to_string(line + 1) +
                               ": a transform's last row must be 0 0 0 1");
  return m;
}

}  // namespace detail

/// Reads an ADBench hand model from `folder` (bones.txt, vertices.txt, triangles.txt).
inline HandModel read_hand_model(const std::filesystem::path& folder) {
  HandModel model;

  const std::filesystem::path bones_file = folder / "bones.txt";
  const auto bones = detail::hand_read_fields(bones_file);
  if (bones.size() != static_cast<std::size_t>(kHandBones))
    throw std::runtime_error(bones_file.string() + ": " + std::to_string(bones.size()) + " bones, expected " +
                             std::to_string(kHandBones));
  for (std::size_t b = 0; b < bones.size(); ++b) {
    const auto& f = bones[b];
    if (f.size() != 34)
      throw std::runtime_error(bones_file.string() + ", line " + std::to_string(b + 1) + ": " +
                               std::to_string(f.size()) + " fields, expected 34 (name, parent, 2 × 16 values)");
    model.bone_names.push_back(f[0]);
    model.parents.push_back(detail::hand_index(f[1], -1, static_cast<int>(b), bones_file, b, "the parent"));
    if ((b == 0) != (model.parents.back() < 0))
      throw std::runtime_error(bones_file.string() + ", line " + std::to_string(b + 1) +
                               ": the first bone, and it alone, must be the root (parent −1)");
    model.base_relatives.push_back(detail::hand_affine(f, 2, bones_file, b));
    model.inverse_base_absolutes.push_back(detail::hand_affine(f, 18, bones_file, b));
  }

  const std::filesystem::path vertices_file = folder / "vertices.txt";
  const auto vertices = detail::hand_read_fields(vertices_file);
  model.weight_start.push_back(0);
  for (std::size_t v = 0; v < vertices.size(); ++v) {
    const auto& f = vertices[v];
    if (f.size() < 9)
      throw std::runtime_error(vertices_file.string() + ", line " + std::to_string(v + 1) +
                               ": fewer than 9 fields (x, y, z, 5 unused values, the number of weights)");
    for (std::size_t k = 0; k < 3; ++k) model.base_positions.push_back(detail::hand_number(f[k], vertices_file, v));
    const auto count =
        static_cast<std::size_t>(detail::hand_index(f[8], 0, kHandBones + 1, vertices_file, v, "the weight count"));
    if (f.size() != 9 + 2 * count)
      throw std::runtime_error(vertices_file.string() + ", line " + std::to_string(v + 1) + ": " +
                               std::to_string(f.size()) + " fields for " + std::to_string(count) + " weights");
    std::vector<std::pair<int, double>> pairs;
    for (std::size_t k = 0; k < count; ++k)
      pairs.emplace_back(detail::hand_index(f[9 + 2 * k], 0, kHandBones, vertices_file, v, "the bone"),
                         detail::hand_number(f[10 + 2 * k], vertices_file, v));
    // By increasing bone, the order in which ADBench's dense weight matrix adds them up.
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t k = 1; k < pairs.size(); ++k)
      if (pairs[k].first == pairs[k - 1].first)
        throw std::runtime_error(vertices_file.string() + ", line " + std::to_string(v + 1) +
                                 ": a bone is listed twice");
    for (const auto& [bone, weight] : pairs) {
      model.weight_bones.push_back(bone);
      model.weight_values.push_back(weight);
    }
    model.weight_start.push_back(static_cast<int>(model.weight_bones.size()));
  }
  if (vertices.empty()) throw std::runtime_error(vertices_file.string() + ": no vertices");

  const std::filesystem::path triangles_file = folder / "triangles.txt";
  const auto triangles = detail::hand_read_fields(triangles_file);
  const int vertex_count = static_cast<int>(vertices.size());
  for (std::size_t t = 0; t < triangles.size(); ++t) {
    if (triangles[t].size() != 3)
      throw std::runtime_error(triangles_file.string() + ", line " + std::to_string(t + 1) + ": expected 3 fields");
    for (const std::string& field : triangles[t])
      model.triangles.push_back(detail::hand_index(field, 0, vertex_count, triangles_file, t, "the vertex"));
  }
  return model;
}

/// Reads an ADBench hand input file of the simple (`complicated` false) or complicated variant, and its model from
/// the folder `model` next to it.
inline HandInput read_hand(const std::filesystem::path& file, bool complicated) {
  HandInput h;
  h.complicated = complicated;
  h.model = read_hand_model(file.parent_path() / "model");
  std::ifstream in = detail::open_for_reading(file);
  int n = 0, n_theta = 0;
  if (!(in >> n >> n_theta) || n <= 0 || n_theta != kHandThetas)
    throw std::runtime_error(file.string() + ": the first line must be `N n_theta` with N positive and n_theta = " +
                             std::to_string(kHandThetas));
  const auto count = static_cast<std::size_t>(n);
  const int limit = static_cast<int>(complicated ? h.model.triangle_count() : h.model.vertex_count());
  for (std::size_t i = 0; i < count; ++i) {
    int corr = 0;
    if (!(in >> corr) || corr < 0 || corr >= limit)
      throw std::runtime_error(file.string() + ": correspondence " + std::to_string(i) + " is not a " +
                               (complicated ? "triangle" : "vertex") + " index below " + std::to_string(limit));
    h.correspondences.push_back(corr);
    detail::read_numbers(in, 3, h.points, file, "a point");
  }
  if (complicated) detail::read_numbers(in, 2 * count, h.us, file, "the barycentric coordinates");
  detail::read_numbers(in, static_cast<std::size_t>(kHandThetas), h.theta, file, "theta");
  std::string rest;
  if (in >> rest) throw std::runtime_error(file.string() + ": unexpected text after theta: `" + rest + "`");
  return h;
}

/// ADBench's reference results for one hand input: the 3N residuals and the dense 3N × ncols Jacobian.
struct HandExpected {
  std::vector<double> residuals;
  Matrix<double> jacobian;
};

/// True when both expected files exist for the input at `data_dir`/`relative_input` (e.g. "hand/test.txt":
/// expected/hand/test_F_Manual.txt and test_J_Manual.txt).
inline bool has_hand_expected(const std::filesystem::path& data_dir, const std::filesystem::path& relative_input) {
  return has_gmm_expected(data_dir, relative_input);
}

/// Reads the expected residuals (3 · points values) and Jacobian (3 · points rows of `cols` values each; every row
/// must have exactly that many).
inline HandExpected read_hand_expected(const std::filesystem::path& data_dir,
                                       const std::filesystem::path& relative_input, std::size_t points,
                                       std::size_t cols) {
  HandExpected e;
  const std::filesystem::path f_file = gmm_expected_path(data_dir, relative_input, "F");
  std::ifstream f = detail::open_for_reading(f_file);
  detail::read_numbers(f, 3 * points, e.residuals, f_file, "the residuals");
  std::string extra;
  if (f >> extra) throw std::runtime_error(f_file.string() + ": more than " + std::to_string(3 * points) + " values");

  const std::filesystem::path j_file = gmm_expected_path(data_dir, relative_input, "J");
  std::ifstream j = detail::open_for_reading(j_file);
  e.jacobian = Matrix<double>(3 * points, cols);
  std::string line;
  std::size_t row = 0;
  while (std::getline(j, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (row == 3 * points)
      throw std::runtime_error(j_file.string() + ": more than " + std::to_string(3 * points) + " rows");
    std::istringstream values(line);
    std::vector<double> r;
    double v;
    while (values >> v) r.push_back(v);
    if (!values.eof() || r.size() != cols)
      throw std::runtime_error(j_file.string() + ", row " + std::to_string(row + 1) + ": expected " +
                               std::to_string(cols) + " numbers");
    for (std::size_t c = 0; c < cols; ++c) e.jacobian(row, c) = r[c];
    ++row;
  }
  if (row != 3 * points)
    throw std::runtime_error(j_file.string() + ": " + std::to_string(row) + " rows, expected " +
                             std::to_string(3 * points));
  return e;
}

}  // namespace kinase::adbench
