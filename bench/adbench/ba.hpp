#pragma once
// ADBench's bundle adjustment (BA) problem, written once over the scalar type S so that the primal (double), the
// forward engine and the reverse engine run the same code, and its sparse Jacobian in ADBench's layout.
//
// n cameras, m points, p observations. A camera has 11 parameters: a Rodrigues rotation vector r (3), the camera
// centre C (3), the focal length f, the principal point (u0, v0) and the radial distortion coefficients k1, k2.
// A point X has 3 coordinates. Observation i sees point pt_i from camera cam_i, with a weight w_i and a measured
// feature (x_i, y_i). Its residuals are
//   v     = X − C
//   Xcam  = R(r) v, with Rodrigues' formula: θ = ‖r‖, w = r/θ,
//           R(r) v = v cos θ + (w × v) sin θ + w (w·v)(1 − cos θ)      for θ > 0,
//           R(r) v = v + r × v                                         for θ = 0 (the first-order form)
//   q     = (Xcam_0, Xcam_1) / Xcam_2
//   L     = 1 + k1 ‖q‖² + k2 ‖q‖⁴
//   proj  = f L q + (u0, v0)
//   e_i   = w_i (proj − (x_i, y_i))        (2 reprojection residuals)
//   z_i   = 1 − w_i²                       (1 weight residual)
// R(r) is adbench/rotation.hpp's angle_axis_rotation (1 − cos θ as 2 sin²(θ/2), accurate for small θ).
//
// The Jacobian (ADBench's BASparseMat) has 3p rows: the reprojection rows 2i and 2i+1 of every observation, then the
// weight rows 2p + i. Its 11n + 3m + p columns are the camera parameters (camera by camera), the point coordinates
// (point by point) and the weights. Row 2i and row 2i+1 each hold 15 entries, in this order: the 11 columns of
// camera cam_i, the 3 columns of point pt_i and the column of w_i; row 2p + i holds the column of w_i alone. It is
// stored in CSR form (row pointer, column indices, values), with the entries that happen to be zero kept, exactly as
// ADBench writes it.
#include <array>
#include <cmath>
#include <cstddef>
#include <kinase/kinase.hpp>
#include <type_traits>
#include <vector>

#include "adbench/rotation.hpp"

namespace kinase::adbench {

/// One BA instance, already expanded (ADBench's files store one camera, point, weight and feature; see ba_io.hpp).
struct BaInput {
  int n = 0;                  ///< cameras
  int m = 0;                  ///< points
  int p = 0;                  ///< observations
  std::vector<double> cams;   ///< 11n, camera by camera: r (3), C (3), f, u0, v0, k1, k2
  std::vector<double> X;      ///< 3m, point by point
  std::vector<double> w;      ///< p weights
  std::vector<double> feats;  ///< 2p measured features (x, y)
  std::vector<int> obs;       ///< 2p: the camera and the point of each observation
};

/// Parameters per camera, per point, and inputs of one observation's residuals (camera, point, weight).
inline constexpr int kBaCameraParams = 11;
inline constexpr int kBaPointParams = 3;
inline constexpr int kBaBlockParams = kBaCameraParams + kBaPointParams + 1;

/// Positions of the parameters inside one camera's 11 values.
inline constexpr int kBaRotation = 0;
inline constexpr int kBaCentre = 3;
inline constexpr int kBaFocal = 6;
inline constexpr int kBaPrincipalPoint = 7;
inline constexpr int kBaDistortion = 9;

/// The instance ADBench's files and GradBench's inputs describe: one camera (11 values), one point (3), one weight and
/// one feature (2), repeated n, m, p and p times; observation i sees camera i mod n and point i mod m.
inline BaInput ba_expand(int n, int m, int p, const double* cam, const double* point, double w, const double* feat) {
  BaInput b;
  b.n = n;
  b.m = m;
  b.p = p;
  const auto nn = static_cast<std::size_t>(n), mm = static_cast<std::size_t>(m), pp = static_cast<std::size_t>(p);
  b.cams.reserve(kBaCameraParams * nn);
  for (std::size_t j = 0; j < nn; ++j) b.cams.insert(b.cams.end(), cam, cam + kBaCameraParams);
  b.X.reserve(kBaPointParams * mm);
  for (std::size_t j = 0; j < mm; ++j) b.X.insert(b.X.end(), point, point + kBaPointParams);
  b.w.assign(pp, w);
  b.feats.reserve(2 * pp);
  b.obs.reserve(2 * pp);
  for (std::size_t i = 0; i < pp; ++i) {
    b.feats.insert(b.feats.end(), feat, feat + 2);
    b.obs.push_back(static_cast<int>(i % nn));
    b.obs.push_back(static_cast<int>(i % mm));
  }
  return b;
}

/// The two reprojection residuals e = w (proj − feat) of one observation; `cam` holds 11 values, `X` 3.
template <class S>
void ba_reprojection(const S* cam, const S* X, const S& w, const double* feat, S* err) {
  const std::array<S, 3> v{X[0] - cam[kBaCentre], X[1] - cam[kBaCentre + 1], X[2] - cam[kBaCentre + 2]};
  const std::array<S, 3> xcam = rotate(angle_axis_rotation(cam + kBaRotation), v.data());
  const S qx = xcam[0] / xcam[2];
  const S qy = xcam[1] / xcam[2];
  const S rsq = qx * qx + qy * qy;
  const S scale = cam[kBaFocal] * (1.0 + cam[kBaDistortion] * rsq + cam[kBaDistortion + 1] * rsq * rsq);
  err[0] = w * (scale * qx + cam[kBaPrincipalPoint] - feat[0]);
  err[1] = w * (scale * qy + cam[kBaPrincipalPoint + 1] - feat[1]);
}

/// The weight residual 1 − w² of one observation.
template <class S>
S ba_weight_error(const S& w) {
  S z = 1.0 - w * w;
  return z;
}

/// All residuals on double: reproj_err gets 2p values (observation by observation), w_err gets p.
inline void ba_objective(const BaInput& in, std::vector<double>& reproj_err, std::vector<double>& w_err) {
  const auto p = static_cast<std::size_t>(in.p);
  reproj_err.assign(2 * p, 0.0);
  w_err.assign(p, 0.0);
  for (std::size_t i = 0; i < p; ++i) {
    const auto cam = static_cast<std::size_t>(in.obs[2 * i]), pt = static_cast<std::size_t>(in.obs[2 * i + 1]);
    ba_reprojection(in.cams.data() + kBaCameraParams * cam, in.X.data() + kBaPointParams * pt, in.w[i],
                    in.feats.data() + 2 * i, reproj_err.data() + 2 * i);
    w_err[i] = ba_weight_error(in.w[i]);
  }
}

/// A sparse matrix in CSR form, as ADBench writes the BA Jacobian: rows has nrows + 1 entries (row r's entries are
/// rows[r] .. rows[r+1] − 1), cols and vals one per stored entry.
struct BaSparseJacobian {
  int nrows = 0;
  int ncols = 0;
  std::vector<int> rows;
  std::vector<int> cols;
  std::vector<double> vals;
};

namespace detail {

/// The 15 inputs of observation i's residuals: its camera (11), its point (3) and its weight.
inline std::array<double, kBaBlockParams> ba_block_inputs(const BaInput& in, std::size_t i) {
  const auto cam = static_cast<std::size_t>(in.obs[2 * i]), pt = static_cast<std::size_t>(in.obs[2 * i + 1]);
  std::array<double, kBaBlockParams> x{};
  for (std::size_t k = 0; k < kBaCameraParams; ++k) x[k] = in.cams[kBaCameraParams * cam + k];
  for (std::size_t k = 0; k < kBaPointParams; ++k) x[kBaCameraParams + k] = in.X[kBaPointParams * pt + k];
  x[kBaBlockParams - 1] = in.w[i];
  return x;
}

/// Observation i's reprojection residuals as a function of its 15 block inputs (generic over the scalar type).
struct BaBlockResiduals {
  const double* feat;
  template <class V>
  auto operator()(const V& x) const {
    using S = std::remove_cvref_t<decltype(x[0])>;
    std::array<S, 2> err;
    ba_reprojection(x.data(), x.data() + kBaCameraParams, x[kBaBlockParams - 1], feat, err.data());
    return err;
  }
};

/// The weight residual of one observation as a function of its weight.
struct BaWeightResidual {
  template <class S>
  auto operator()(const S& w) const {
    return ba_weight_error(w);
  }
};

/// Builds the Jacobian's structure and fills its values: block(i, x, vals2x15) writes observation i's two rows (15
/// values each, row 2i first) at its inputs x, weight(w) returns d(1 − w²)/dw.
template <class Block, class Weight>
BaSparseJacobian ba_jacobian(const BaInput& in, Block&& block, Weight&& weight) {
  const auto p = static_cast<std::size_t>(in.p);
  const int weight_col0 = kBaCameraParams * in.n + kBaPointParams * in.m;
  BaSparseJacobian jac;
  jac.nrows = 3 * in.p;
  jac.ncols = weight_col0 + in.p;
  const std::size_t nnz = 2 * p * kBaBlockParams + p;
  jac.rows.reserve(3 * p + 1);
  jac.cols.reserve(nnz);
  jac.vals.resize(nnz);
  jac.rows.push_back(0);
  for (std::size_t i = 0; i < p; ++i) {
    const int cam = in.obs[2 * i], pt = in.obs[2 * i + 1], wcol = weight_col0 + static_cast<int>(i);
    for (int r = 0; r < 2; ++r) {
      for (int k = 0; k < kBaCameraParams; ++k) jac.cols.push_back(kBaCameraParams * cam + k);
      for (int k = 0; k < kBaPointParams; ++k) jac.cols.push_back(kBaCameraParams * in.n + kBaPointParams * pt + k);
      jac.cols.push_back(wcol);
      jac.rows.push_back(jac.rows.back() + kBaBlockParams);
    }
    block(i, ba_block_inputs(in, i), jac.vals.data() + 2 * kBaBlockParams * i);
  }
  double* weight_vals = jac.vals.data() + 2 * kBaBlockParams * p;
  for (std::size_t i = 0; i < p; ++i) {
    jac.cols.push_back(weight_col0 + static_cast<int>(i));
    jac.rows.push_back(jac.rows.back() + 1);
    weight_vals[i] = weight(in.w[i]);
  }
  return jac;
}

/// Copies a 2 × 15 block (kinase::Matrix) into two consecutive CSR rows.
inline void ba_store_block(const Matrix<double>& block, double* vals) {
  for (std::size_t r = 0; r < 2; ++r)
    for (std::size_t k = 0; k < kBaBlockParams; ++k) vals[kBaBlockParams * r + k] = block(r, k);
}

}  // namespace detail

/// The BA Jacobian by forward mode: each observation's 2 × 15 block in one evaluation on Duals of 15 lanes, each
/// weight row by one evaluation on a Dual of 1 lane.
inline BaSparseJacobian ba_jacobian_forward(const BaInput& in) {
  return detail::ba_jacobian(
      in,
      [&](std::size_t i, const std::array<double, kBaBlockParams>& x, double* vals) {
        // The block's 15 inputs seeded as Duals directly (lane k carries d/dx_k), so that no result matrix is
        // allocated per observation: jacobian(Forward, f, x, chunk<15>) computes the same values.
        // The Duals start at zero and get their value and their one lane in place: building each from a seed array
        // written element by element and then read as vectors stalled on store forwarding (a third of the time).
        using D = Dual<double, kBaBlockParams>;
        std::array<D, kBaBlockParams> v;
        for (std::size_t k = 0; k < kBaBlockParams; ++k) {
          v[k].primal = x[k];
          v[k].tangent[k] = 1.0;
        }
        std::array<D, 2> err;
        ba_reprojection(v.data(), v.data() + kBaCameraParams, v[kBaBlockParams - 1], in.feats.data() + 2 * i,
                        err.data());
        for (std::size_t r = 0; r < 2; ++r)
          for (std::size_t k = 0; k < kBaBlockParams; ++k) vals[kBaBlockParams * r + k] = err[r].tangent[k];
      },
      [](double w) {
        return autodiff(Forward, detail::BaWeightResidual{}, DuplicatedNoNeed{}, Duplicated(w, 1.0)).derivative;
      });
}

/// The BA Jacobian by reverse mode: each observation's residuals recorded once and swept back with both rows'
/// seeds at once (2 lanes), each weight row by one recording and sweep.
inline BaSparseJacobian ba_jacobian_reverse(const BaInput& in) {
  return detail::ba_jacobian(
      in,
      [&](std::size_t i, const std::array<double, kBaBlockParams>& x, double* vals) {
        const detail::BaBlockResiduals f{in.feats.data() + 2 * i};
        detail::ba_store_block(jacobian(Reverse, f, x, output_size<2>, chunk<2>), vals);
      },
      [](double w) { return autodiff(Reverse, detail::BaWeightResidual{}, Active{}, Active(w)).derivatives[0]; });
}

}  // namespace kinase::adbench
