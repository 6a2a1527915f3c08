#pragma once
// The rotation of an angle-axis vector r, shared by ADBench's BA (the camera rotation) and hand tracking (the global
// rotation). With θ = ‖r‖ and the unit axis k = r/θ, Rodrigues' formula gives
//   R = cos θ I + sin θ [k]_× + (1 − cos θ) k kᵀ.
// 1 − cos θ is computed as 2 sin²(θ/2), which keeps its digits (and its derivatives theirs) for small θ; at θ = 0
// the first-order form I + [r]_× is used, whose derivative in r there is exact.
#include <array>
#include <cmath>

namespace kinase::adbench {

/// The rotation matrix of the angle-axis vector r, row-major (Rodrigues' formula).
template <class S>
std::array<S, 9> angle_axis_rotation(const S* r) {
  using std::cos;
  using std::sin;
  using std::sqrt;
  const S theta2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  if (theta2 > 0.0) {
    const S theta = sqrt(theta2);
    const S x = r[0] / theta, y = r[1] / theta, z = r[2] / theta;
    const S c = cos(theta), s = sin(theta);
    const S half_sin = sin(0.5 * theta);
    const S omc = 2.0 * half_sin * half_sin;                                         // 1 − cos θ
    return {S(x * x * omc + c),     S(x * y * omc - z * s), S(x * z * omc + y * s),  //
            S(x * y * omc + z * s), S(y * y * omc + c),     S(y * z * omc - x * s),  //
            S(x * z * omc - y * s), S(y * z * omc + x * s), S(z * z * omc + c)};
  }
  // θ = 0 (or θ² below the smallest double): I + [r]_×, whose derivative in r at 0 is exact.
  return {S(1.0),   S(-r[2]), S(r[1]),   //
          S(r[2]),  S(1.0),   S(-r[0]),  //
          S(-r[1]), S(r[0]),  S(1.0)};
}

/// R v for a row-major 3×3 R.
template <class S>
std::array<S, 3> rotate(const std::array<S, 9>& R, const S* v) {
  return {S(R[0] * v[0] + R[1] * v[1] + R[2] * v[2]), S(R[3] * v[0] + R[4] * v[1] + R[5] * v[2]),
          S(R[6] * v[0] + R[7] * v[1] + R[8] * v[2])};
}

}  // namespace kinase::adbench
