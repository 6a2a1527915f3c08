#pragma once
// The BA Jacobian written by hand (the benchmark's floor, tool "manual"): every observation's two reprojection
// residuals and their 2 × 15 block from one pass of closed-form derivatives, as a person would write them.
//
// The residuals are those of ba.hpp (ba_reprojection): v = X − C, Xcam = R(r) v, q = (Xcam_0, Xcam_1) / Xcam_2,
// L = 1 + k1 ‖q‖² + k2 ‖q‖⁴, proj = f L q + (u0, v0), e = w (proj − feat). The chain rule, stage by stage:
//
// Projection and distortion. With ρ = ‖q‖² and L' = dL/dρ = k1 + 2 k2 ρ,
//   ∂proj/∂q  = P = f L I + 2 f L' q qᵀ                      (2 × 2, symmetric)
//   ∂proj/∂f  = L q,   ∂proj/∂(u0, v0) = I,   ∂proj/∂k1 = f ρ q,   ∂proj/∂k2 = f ρ² q
//   ∂q/∂Xcam  = D = (1/Xcam_2) [[1, 0, −q_x], [0, 1, −q_y]]   (2 × 3)
//   ∂e/∂w     = proj − feat, and every other derivative of e is w times that of proj.
// With A = w P D (2 × 3), the derivative of e in Xcam, the rest follows from Xcam = R(r) (X − C):
//   ∂e/∂X = A R,   ∂e/∂C = −A R,   ∂e/∂r = A ∂(R v)/∂r.
//
// Rotation. rotation.hpp takes one of two branches, and each is differentiated as written:
// - θ² = ‖r‖² > 0: Rodrigues' formula. In terms of r itself (k = r/θ is the unit axis),
//     R v = cos θ v + (sin θ / θ) (r × v) + ((1 − cos θ) / θ²) r (r·v).
//   With dθ/dr_j = k_j, d(cos θ)/dθ = −sin θ, d(1 − cos θ)/dθ = sin θ and d(r × v)/dr_j = e_j × v, column j of
//   ∂(R v)/∂r is
//     k_j g + (sin θ / θ) (e_j × v) + ((1 − cos θ) / θ) ((k·v) e_j + v_j k),
//     g = −sin θ v + (cos θ − sin θ / θ) (k × v) + (sin θ − 2 (1 − cos θ) / θ) (k·v) k.
//   Every coefficient stays bounded as θ → 0 (sin θ / θ → 1, the others → 0), and the differences in g lose only
//   absolute digits of size ε, so the derivative keeps its accuracy for small angles without a series.
//   1 − cos θ is 2 sin²(θ/2), exactly as in the primal.
// - θ² = 0 (r = 0, or so small that its square underflows): the primal is R = I + [r]_×, so R v = v + r × v and
//   ∂(R v)/∂r has the columns e_j × v, i.e. −[v]_×, which is also the limit of the formula above.
// The primal values (R, Xcam, e) are computed with the same expressions, in the same order, as ba.hpp and
// rotation.hpp, so the residuals agree bit for bit with ba_reprojection on double.
#include <array>
#include <cmath>
#include <cstddef>

#include "ba.hpp"

namespace kinase::adbench {

/// The two reprojection residuals of one observation and their 2 × 15 Jacobian: `cam` holds the camera's 11 values,
/// `X` the point's 3, `w` the weight and `feat` the measured feature (2). `err` gets the 2 residuals, `J` the 30
/// Jacobian values, row-major (row 0 is the x residual), with ba.hpp's block column order: the 11 camera parameters,
/// the 3 point coordinates, then the weight.
inline void ba_block_manual(const double* cam, const double* X, double w, const double* feat, double* err, double* J) {
  const double* r = cam + kBaRotation;
  const double v[3] = {X[0] - cam[kBaCentre], X[1] - cam[kBaCentre + 1], X[2] - cam[kBaCentre + 2]};

  // The rotation matrix R (row-major) and Jr = ∂(R v)/∂r (row-major: Jr[3 i + j] = ∂(R v)_i / ∂r_j).
  double R[9], Jr[9];
  const double theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  if (theta2 > 0.0) {
    const double theta = std::sqrt(theta2);
    const double x = r[0] / theta, y = r[1] / theta, z = r[2] / theta;  // the unit axis k
    const double c = std::cos(theta), s = std::sin(theta);
    const double half_sin = std::sin(0.5 * theta);
    const double omc = 2.0 * half_sin * half_sin;  // 1 − cos θ
    R[0] = x * x * omc + c;
    R[1] = x * y * omc - z * s;
    R[2] = x * z * omc + y * s;
    R[3] = x * y * omc + z * s;
    R[4] = y * y * omc + c;
    R[5] = y * z * omc - x * s;
    R[6] = x * z * omc - y * s;
    R[7] = y * z * omc + x * s;
    R[8] = z * z * omc + c;

    const double k[3] = {x, y, z};
    const double kxv[3] = {y * v[2] - z * v[1], z * v[0] - x * v[2], x * v[1] - y * v[0]};  // k × v
    const double kv = x * v[0] + y * v[1] + z * v[2];                                       // k · v
    const double sinc = s / theta;                                                          // sin θ / θ
    const double omc_t = omc / theta;                                                       // (1 − cos θ) / θ
    const double cu = c - sinc;                // coefficient of k × v in g
    const double ck = (s - 2.0 * omc_t) * kv;  // coefficient of k in g
    const double g[3] = {-s * v[0] + cu * kxv[0] + ck * x, -s * v[1] + cu * kxv[1] + ck * y,
                         -s * v[2] + cu * kxv[2] + ck * z};
    // The columns e_j × v form the matrix −[v]_× = [[0, v2, −v1], [−v2, 0, v0], [v1, −v0, 0]].
    const double mv[9] = {0.0, v[2], -v[1], -v[2], 0.0, v[0], v[1], -v[0], 0.0};
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t j = 0; j < 3; ++j)
        Jr[3 * i + j] = k[j] * g[i] + sinc * mv[3 * i + j] + omc_t * ((i == j ? kv : 0.0) + v[j] * k[i]);
  } else {
    // The first-order form I + [r]_× of rotation.hpp; R v = v + r × v, whose derivative in r is −[v]_×.
    R[0] = 1.0;
    R[1] = -r[2];
    R[2] = r[1];
    R[3] = r[2];
    R[4] = 1.0;
    R[5] = -r[0];
    R[6] = -r[1];
    R[7] = r[0];
    R[8] = 1.0;
    Jr[0] = 0.0;
    Jr[1] = v[2];
    Jr[2] = -v[1];
    Jr[3] = -v[2];
    Jr[4] = 0.0;
    Jr[5] = v[0];
    Jr[6] = v[1];
    Jr[7] = -v[0];
    Jr[8] = 0.0;
  }
  const double xcam[3] = {R[0] * v[0] + R[1] * v[1] + R[2] * v[2], R[3] * v[0] + R[4] * v[1] + R[5] * v[2],
                          R[6] * v[0] + R[7] * v[1] + R[8] * v[2]};

  // Projection and radial distortion (the primal exactly as ba_reprojection writes it).
  const double qx = xcam[0] / xcam[2];
  const double qy = xcam[1] / xcam[2];
  const double rsq = qx * qx + qy * qy;
  const double f = cam[kBaFocal], k1 = cam[kBaDistortion], k2 = cam[kBaDistortion + 1];
  const double L = 1.0 + k1 * rsq + k2 * rsq * rsq;
  const double scale = f * L;
  const double ex = scale * qx + cam[kBaPrincipalPoint] - feat[0];
  const double ey = scale * qy + cam[kBaPrincipalPoint + 1] - feat[1];
  err[0] = w * ex;
  err[1] = w * ey;

  // A = w P D, the derivative of e in Xcam. P = f L I + 2 f L' q qᵀ, D = (1/Xcam_2) [[1, 0, −q_x], [0, 1, −q_y]].
  const double iz = 1.0 / xcam[2];
  const double t = 2.0 * f * (k1 + 2.0 * k2 * rsq);  // 2 f L'
  const double wz = w * iz;
  const double p00 = wz * (scale + t * qx * qx), p01 = wz * t * qx * qy, p11 = wz * (scale + t * qy * qy);
  const double A[2][3] = {{p00, p01, -(p00 * qx + p01 * qy)}, {p01, p11, -(p01 * qx + p11 * qy)}};

  const double wf = w * f;
  const double q[2] = {qx, qy};
  for (std::size_t a = 0; a < 2; ++a) {
    double* row = J + kBaBlockParams * a;
    const double* Aa = A[a];
    for (std::size_t j = 0; j < 3; ++j) {
      const double ar = Aa[0] * R[j] + Aa[1] * R[3 + j] + Aa[2] * R[6 + j];  // (A R)_aj
      row[kBaRotation + j] = Aa[0] * Jr[j] + Aa[1] * Jr[3 + j] + Aa[2] * Jr[6 + j];
      row[kBaCentre + j] = -ar;
      row[kBaCameraParams + j] = ar;
    }
    row[kBaFocal] = w * L * q[a];
    row[kBaPrincipalPoint] = a == 0 ? w : 0.0;
    row[kBaPrincipalPoint + 1] = a == 0 ? 0.0 : w;
    row[kBaDistortion] = wf * rsq * q[a];
    row[kBaDistortion + 1] = wf * rsq * rsq * q[a];
    row[kBaBlockParams - 1] = a == 0 ? ex : ey;
  }
}

/// The full BA Jacobian (ADBench's sparse layout, see ba.hpp) from ba_block_manual, and −2 w for the weight rows.
inline BaSparseJacobian ba_jacobian_manual(const BaInput& in) {
  return detail::ba_jacobian(
      in,
      [&](std::size_t i, const std::array<double, kBaBlockParams>& x, double* vals) {
        double err[2];
        ba_block_manual(x.data(), x.data() + kBaCameraParams, x[kBaBlockParams - 1], in.feats.data() + 2 * i, err,
                        vals);
      },
      [](double w) { return -2.0 * w; });
}

}  // namespace kinase::adbench
