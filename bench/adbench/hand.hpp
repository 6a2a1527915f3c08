#pragma once
// ADBench's hand-tracking problem (simple and complicated variants), written once over the scalar type S so that the
// primal (double), the forward engine and the reverse engine run the same code, and its dense Jacobian in ADBench's
// layout.
//
// The model (hand_io.hpp reads it) is a skeleton of 22 bones in ADBench's order: the wrist (bone 0, the root), four
// bones per finger for the thumb, index, middle, ring and pinky fingers (bones 1 + 4f … 4 + 4f for finger f), and the
// forearm (bone 21). Bone b has a parent (−1 for the root), a base relative transform B_b and an inverse base
// absolute transform A_b; both are affine (their last row is 0 0 0 1), so only their top 3 × 4 blocks are kept. Each
// vertex has a base position v and skinning weights w_vb over the bones.
//
// The 26 pose parameters θ are: θ_0..2 a global rotation as an angle-axis vector r (angle ‖r‖ about r/‖r‖), θ_3..5 a
// global translation t, then four values per finger f = 0 … 4 (thumb first), θ_{6+4f} … θ_{9+4f}, which become the
// Euler angles of the finger's bones 2 + 4f, 3 + 4f and 4 + 4f (ADBench's to_pose_params):
//   bone 2 + 4f:  x-angle θ_{6+4f}, z-angle θ_{7+4f}
//   bone 3 + 4f:  x-angle θ_{8+4f}
//   bone 4 + 4f:  x-angle θ_{9+4f}
// The wrist, the first bone of each finger and the forearm are not posed (all their angles are 0). The Euler angles
// (x, y, z) of a bone give its rotation R = R_z(z) R_y(y) R_x(x), with the usual right-handed rotations about the axes.
//
// Skinning (ADBench's get_skinned_vertex_positions), with transforms as 4 × 4 matrices:
//   relative_b  = B_b · [R_b 0; 0 1]
//   absolute_b  = absolute_parent(b) · relative_b        (absolute_root = relative_root)
//   T_b         = absolute_b · A_b
//   p_v         = Σ_b w_vb · (T_b · [v; 1])_{0..2}       for every vertex of the model
//   (a mirrored model negates the x coordinate here; ADBench's reference outputs are those of an unmirrored model, and
//   read_hand_model leaves is_mirrored false)
//   q_v         = R(r) p_v + t
// with R(r) by Rodrigues' formula: θ = ‖r‖, a = r/θ, R = cos θ I + sin θ [a]_× + (1 − cos θ) a aᵀ for θ > 0, and the
// first-order form I + [r]_× at θ = 0. 1 − cos θ is computed as 2 sin²(θ/2). (ADBench itself takes R = I for
// θ < 1e-4, which is off by about θ there and has a zero derivative; above 1e-4 the two agree up to rounding.)
//
// Residuals, for correspondence i with measured point x_i (3 values each, err[3i + k]):
//   simple       err_i = x_i − q_{c_i},  c_i a vertex index;
//   complicated  err_i = x_i − (u_i1 q_a + u_i2 q_b + (1 − u_i1 − u_i2) q_c),  c_i a triangle (a, b, c) and
//                (u_i1, u_i2) its barycentric coordinates, which are differentiated too.
//
// The Jacobian is dense, 3N × ncols, row 3i + k for err[3i + k]. Simple: ncols = 26, the columns of θ. Complicated:
// ncols = 28, columns 0 and 1 hold ∂err_i/∂u_i1 and ∂err_i/∂u_i2 (each row depends on its own pair only), and columns
// 2 … 27 hold θ. The two u columns are computed by column compression: every pair is written u_i + (δ1, δ2) with
// δ = 0, and the Jacobian is taken with respect to (δ1, δ2, θ); since err_i depends on no other pair, ∂err_i/∂δ1 is
// ∂err_i/∂u_i1 (adding 0.0 leaves every value as it was).
#include <array>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <kinase/kinase.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "adbench/rotation.hpp"

namespace kinase::adbench {

inline constexpr int kHandBones = 22;             ///< bones in ADBench's hand skeleton
inline constexpr int kHandThetas = 26;            ///< pose parameters
inline constexpr int kHandFingers = 5;            ///< thumb, index, middle, ring, pinky
inline constexpr int kHandGlobalRotation = 0;     ///< θ_0..2: angle-axis vector
inline constexpr int kHandGlobalTranslation = 3;  ///< θ_3..5
inline constexpr int kHandFingerThetas = 6;       ///< θ_6..25: four per finger

/// An affine transform's top 3 × 4 block, row-major (element (r, c) at 4r + c); the last row is 0 0 0 1.
template <class T>
using HandAffine = std::array<T, 12>;

/// ADBench's hand model (see the header comment).
struct HandModel {
  std::vector<std::string> bone_names;  ///< kHandBones names, in ADBench's order
  std::vector<int> parents;             ///< kHandBones parents, −1 for the root; a parent precedes its child
  std::vector<HandAffine<double>> base_relatives;          ///< B_b
  std::vector<HandAffine<double>> inverse_base_absolutes;  ///< A_b
  std::vector<double> base_positions;                      ///< 3 per vertex
  /// Skinning weights, vertex by vertex: vertex v's (bone, weight) pairs are entries weight_start[v] ..
  /// weight_start[v + 1] − 1 of weight_bones and weight_values, by increasing bone.
  std::vector<int> weight_start;
  std::vector<int> weight_bones;
  std::vector<double> weight_values;
  std::vector<int> triangles;  ///< 3 vertex indices per triangle
  bool is_mirrored = false;    ///< negate x after skinning (false for ADBench's data)

  std::size_t vertex_count() const { return base_positions.size() / 3; }
  std::size_t triangle_count() const { return triangles.size() / 3; }
};

/// One hand instance: the model, the correspondences and points, the barycentric coordinates (complicated only) and
/// θ, the parameters at which to differentiate.
struct HandInput {
  HandModel model;
  bool complicated = false;
  std::vector<int> correspondences;  ///< N: vertex indices (simple) or triangle indices (complicated)
  std::vector<double> points;        ///< 3N measured points
  std::vector<double> us;            ///< 2N barycentric coordinates (u1, u2), complicated only
  std::vector<double> theta;         ///< kHandThetas

  std::size_t point_count() const { return correspondences.size(); }
  /// Columns of the Jacobian: 26 (simple) or 28 (complicated).
  std::size_t jacobian_cols() const { return static_cast<std::size_t>(kHandThetas) + (complicated ? 2 : 0); }
};

namespace detail {

/// out = A · B for affine transforms (3 × 4 blocks); the element types may differ, the result is of type S.
template <class S, class TA, class TB>
HandAffine<S> hand_compose(const HandAffine<TA>& a, const HandAffine<TB>& b) {
  HandAffine<S> out;
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c)
      out[4 * r + c] = a[4 * r] * b[c] + a[4 * r + 1] * b[4 + c] + a[4 * r + 2] * b[8 + c];
    out[4 * r + 3] = a[4 * r] * b[3] + a[4 * r + 1] * b[7] + a[4 * r + 2] * b[11] + a[4 * r + 3];
  }
  return out;
}

/// B · [R 0; 0 1] for a constant affine B and a rotation R (3 × 3, row-major).
template <class S>
HandAffine<S> hand_rotate_after(const HandAffine<double>& b, const std::array<S, 9>& rot) {
  HandAffine<S> out;
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c)
      out[4 * r + c] = b[4 * r] * rot[c] + b[4 * r + 1] * rot[3 + c] + b[4 * r + 2] * rot[6 + c];
    out[4 * r + 3] = S(b[4 * r + 3]);
  }
  return out;
}

/// R_z(z) R_y(y) R_x(x), row-major.
template <class S>
std::array<S, 9> hand_euler_rotation(const S& x, const S& y, const S& z) {
  using std::cos;
  using std::sin;
  const S cx = cos(x), sx = sin(x), cy = cos(y), sy = sin(y), cz = cos(z), sz = sin(z);
  return {S(cz * cy),
          S(cz * sy * sx - sz * cx),
          S(cz * sy * cx + sz * sx),  //
          S(sz * cy),
          S(sz * sy * sx + cz * cx),
          S(sz * sy * cx - cz * sx),  //
          S(-sy),
          S(cy * sx),
          S(cy * cx)};
}

/// Where θ feeds the Euler angles: for bone b, the θ index of its x-angle and of its z-angle, −1 where the angle is
/// 0 (ADBench's to_pose_params; the y-angle is 0 for every bone).
inline std::array<int, 2> hand_bone_thetas(int bone) {
  const int f = (bone - 2) / 4, k = (bone - 2) % 4;  // finger and position within bones 2 + 4f … 5 + 4f
  if (bone < 2 || f >= kHandFingers || k == 3) return {-1, -1};
  const int first = kHandFingerThetas + 4 * f;
  if (k == 0) return {first, first + 1};
  return {first + 1 + k, -1};
}

}  // namespace detail

/// The skinned and globally transformed positions q_v of every vertex of the model (3 per vertex) at θ (kHandThetas
/// values).
template <class S>
std::vector<S> hand_vertex_positions(const HandModel& model, const S* theta) {
  const auto bones = static_cast<std::size_t>(kHandBones);
  std::vector<HandAffine<S>> absolutes(bones), transforms(bones);
  for (std::size_t b = 0; b < bones; ++b) {
    const std::array<int, 2> index = detail::hand_bone_thetas(static_cast<int>(b));
    HandAffine<S> relative;
    if (index[0] < 0) {
      for (std::size_t e = 0; e < 12; ++e) relative[e] = S(model.base_relatives[b][e]);
    } else {
      const S zero(0.0);
      const S& x = theta[index[0]];
      const S& z = index[1] < 0 ? zero : theta[index[1]];
      relative = detail::hand_rotate_after(model.base_relatives[b], detail::hand_euler_rotation(x, zero, z));
    }
    const int parent = model.parents[b];
    if (parent < 0)
      absolutes[b] = std::move(relative);
    else
      absolutes[b] = detail::hand_compose<S>(absolutes[static_cast<std::size_t>(parent)], relative);
    transforms[b] = detail::hand_compose<S>(absolutes[b], model.inverse_base_absolutes[b]);
  }

  const std::array<S, 9> rot = angle_axis_rotation(theta + kHandGlobalRotation);
  const S* t = theta + kHandGlobalTranslation;
  const std::size_t n = model.vertex_count();
  std::vector<S> positions(3 * n);
  for (std::size_t v = 0; v < n; ++v) {
    const double* base = model.base_positions.data() + 3 * v;
    std::array<S, 3> p{S(0.0), S(0.0), S(0.0)};
    const auto first = static_cast<std::size_t>(model.weight_start[v]);
    const auto last = static_cast<std::size_t>(model.weight_start[v + 1]);
    for (std::size_t e = first; e < last; ++e) {
      const HandAffine<S>& m = transforms[static_cast<std::size_t>(model.weight_bones[e])];
      const double w = model.weight_values[e];
      for (std::size_t r = 0; r < 3; ++r)
        p[r] += (m[4 * r] * base[0] + m[4 * r + 1] * base[1] + m[4 * r + 2] * base[2] + m[4 * r + 3]) * w;
    }
    if (model.is_mirrored) p[0] = -p[0];
    for (std::size_t r = 0; r < 3; ++r)
      positions[3 * v + r] = rot[3 * r] * p[0] + rot[3 * r + 1] * p[1] + rot[3 * r + 2] * p[2] + t[r];
  }
  return positions;
}

/// The 3N residuals at θ (kHandThetas values) and, for the complicated variant, the barycentric coordinates `us`
/// (2N values; ignored, and may be null, for the simple variant).
template <class S>
std::vector<S> hand_objective(const HandInput& in, const S* theta, const S* us) {
  const std::vector<S> q = hand_vertex_positions(in.model, theta);
  const std::size_t n = in.point_count();
  std::vector<S> err(3 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto corr = static_cast<std::size_t>(in.correspondences[i]);
    const double* x = in.points.data() + 3 * i;
    if (!in.complicated) {
      for (std::size_t k = 0; k < 3; ++k) err[3 * i + k] = x[k] - q[3 * corr + k];
      continue;
    }
    const int* tri = in.model.triangles.data() + 3 * corr;
    const S& u1 = us[2 * i];
    const S& u2 = us[2 * i + 1];
    const S u3 = 1.0 - u1 - u2;
    const S* a = q.data() + 3 * static_cast<std::size_t>(tri[0]);
    const S* b = q.data() + 3 * static_cast<std::size_t>(tri[1]);
    const S* c = q.data() + 3 * static_cast<std::size_t>(tri[2]);
    for (std::size_t k = 0; k < 3; ++k) err[3 * i + k] = x[k] - (u1 * a[k] + u2 * b[k] + u3 * c[k]);
  }
  return err;
}

/// The residuals on double at the instance's θ (and us).
inline std::vector<double> hand_objective(const HandInput& in) {
  return hand_objective<double>(in, in.theta.data(), in.complicated ? in.us.data() : nullptr);
}

/// The residuals as a function of the Jacobian's columns, generic over the scalar type: x is θ (simple) or
/// (δ1, δ2, θ) (complicated), with u_i = in.us_i + (δ1, δ2) (see the header comment).
struct HandResiduals {
  const HandInput* in;
  template <class V>
  auto operator()(const V& x) const {
    using S = std::remove_cvref_t<decltype(*std::data(x))>;
    const S* p = std::data(x);
    if (std::size(x) != in->jacobian_cols())
      throw std::invalid_argument("HandResiduals: " + std::to_string(std::size(x)) + " inputs, expected " +
                                  std::to_string(in->jacobian_cols()));
    if (!in->complicated) return hand_objective<S>(*in, p, nullptr);
    const std::size_t n = in->point_count();
    std::vector<S> us;
    us.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      us.push_back(S(in->us[2 * i] + p[0]));
      us.push_back(S(in->us[2 * i + 1] + p[1]));
    }
    return hand_objective<S>(*in, p + 2, us.data());
  }
};

/// The point at which HandResiduals is differentiated: θ (simple) or (0, 0, θ) (complicated).
inline std::vector<double> hand_jacobian_point(const HandInput& in) {
  std::vector<double> x;
  x.reserve(in.jacobian_cols());
  if (in.complicated) x.assign(2, 0.0);
  x.insert(x.end(), in.theta.begin(), in.theta.end());
  return x;
}

/// The 3N × ncols Jacobian by forward mode, K columns per evaluation on Dual<double, K>; K = 0 (the default) takes
/// all columns (26 or 28) in one evaluation.
template <std::size_t K = 0>
Matrix<double> hand_jacobian_forward(const HandInput& in) {
  const std::vector<double> x = hand_jacobian_point(in);
  const HandResiduals f{&in};
  if constexpr (K != 0) {
    return jacobian(Forward, f, x, chunk<K>);
  } else {
    if (in.complicated) return jacobian(Forward, f, x, chunk<kHandThetas + 2>);
    return jacobian(Forward, f, x, chunk<kHandThetas>);
  }
}

/// The 3N × ncols Jacobian by reverse mode: one recording, then sweeps of K output rows each (K = 8 by default).
template <std::size_t K = 8>
Matrix<double> hand_jacobian_reverse(const HandInput& in) {
  return jacobian(Reverse, HandResiduals{&in}, hand_jacobian_point(in), chunk<K>);
}

}  // namespace kinase::adbench
