#pragma once
// GradBench's four ADBench modules: gmm, ba, ht and lstm, on the objectives already in bench/adbench (gmm_objective,
// ba_reprojection / ba_jacobian_forward, hand_objective / hand_jacobian_forward, lstm_objective). GradBench encodes
// the inputs differently from ADBench's files; this header decodes GradBench's JSON into the bench/adbench structures
// and encodes the results the way GradBench's evals expect them (sources: evals/<name>/README.md and
// cpp/gradbench/evals/<name>.hpp in github.com/gradbench/gradbench):
//   gmm   objective / jacobian. Two encodings of GradBench's history are accepted, told apart by their fields:
//         - {d, k, n, alpha[k], means[k][d], icf[k][d(d+1)/2], x[n][d], gamma, m}: ADBench's objective; the
//           jacobian is the flat gradient (alpha, means, icf), ADBench's order.
//         - {d, k, n, alpha[k], mu[k][d], q[k][d], l[k][d(d−1)/2], x[n][d], gamma, m}: the likelihood of ADBench with
//           the Wishart prior's sign corrected (GradBench's log_wishart_prior returns −out + K·C where ADBench adds
//           out − K·C); the jacobian is {alpha, mu, q, l} in the input's shapes. l[k] lists the strictly lower
//           triangle column by column, as icf does after its d diagonal entries.
//         GradBench's newest encoding, l as a jagged array of rows (l[k][i] with i entries), comes with other changes
//         to the objective that this tool does not implement; it is refused with an error.
//   ba    objective / jacobian, {n, m, p, cam[11], x[3], w, feat[2]}: one camera, point, weight and feature, repeated
//         n, m, p and p times; observation i sees camera i mod n and point i mod m. objective → {reproj_error:
//         {elements: [2 residuals of observation 0], repeated: p}, w_err: {element, repeated: p}}; jacobian → {rows,
//         cols, vals}, each the first 30 entries and the last of the full CSR arrays (ADBench's layout).
//   ht    objective / jacobian, {theta[26], data: {model: {bone_count, bone_names[22], parents[22],
//         base_relatives[22][4][4], inverse_base_absolutes[22][4][4], base_positions[M][4], weights[M][22],
//         triangles[T][3], is_mirrored}, correspondences[N], points[N][3]}, us: [N][2] or []}: objective → the 3N
//         residuals (flat); jacobian → 3N rows of 26 (simple, us empty) or 28 (complicated) columns.
//   lstm  objective / jacobian, {main_params[2l][4b], extra_params[3][b], state[2l][b], sequence[c][b]}: objective →
//         the loss; jacobian → the flat gradient, main_params then extra_params, row-major (8lb + 3b values).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <kinase/kinase.hpp>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "adbench/ba.hpp"
#include "adbench/gmm.hpp"
#include "adbench/hand.hpp"
#include "adbench/lstm.hpp"
#include "gradbench/modules_cmpad.hpp"
#include "gradbench/modules_input.hpp"

namespace kinase::gradbench {

// --- gmm -----------------------------------------------------------------------------------------------------------

/// A decoded GMM input: the ADBench structure (parameters included), the encoding it came in, and the points split
/// into chunks for the gradient.
struct GmmProblem {
  adbench::GmmInput input;
  bool corrected_prior = false;  ///< the mu/q/l encoding: the Wishart prior's sign as GradBench corrected it
  std::vector<adbench::GmmInput> chunks;
};

/// The part of ADBench's GMM objective that depends on no point: the Wishart prior
///   P = Σ_c [½ γ² (‖exp(q_c)‖² + ‖L_c‖²) − m Σ_j q_cj] − K · W(d, γ, m),
/// which ADBench adds once. A chunk of the points evaluated by gmm_objective adds it once too, so a sum over C chunks
/// counts it C times; and the corrected objective is ADBench's minus 2P.
template <class S>
S gmm_prior(const adbench::GmmInput& in, const S* params) {
  using std::exp;
  const std::size_t d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const std::size_t t = adbench::gmm_icf_size(in.d);
  const S* icf = params + k + k * d;
  S total = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    S frobenius = 0.0, sum_q = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      const S& q = icf[c * t + j];
      const S diagonal = exp(q);
      frobenius += diagonal * diagonal;
      sum_q += q;
    }
    for (std::size_t p = d; p < t; ++p) frobenius += icf[c * t + p] * icf[c * t + p];
    total += 0.5 * in.gamma * in.gamma * frobenius - static_cast<double>(in.m) * sum_q;
  }
  return S(total - static_cast<double>(k) * adbench::gmm_wishart_constant(in.d, in.gamma, in.m));
}

/// Points per chunk for the gradient: one point's tape is about K (24 d² + 100 d + 100) bytes.
inline std::size_t gmm_points_per_chunk(const adbench::GmmInput& in, std::size_t budget_bytes) {
  const double d = static_cast<double>(in.d);
  const double per_point = static_cast<double>(in.k) * (24.0 * d * d + 100.0 * d + 100.0);
  const double points = std::floor(static_cast<double>(budget_bytes) / per_point);
  return points < 1.0 ? 1 : static_cast<std::size_t>(std::min(points, 1e9));
}

inline GmmProblem read_gmm_problem(const Field& input, std::size_t budget_bytes) {
  GmmProblem g;
  adbench::GmmInput& in = g.input;
  in.d = input.at("d").size(1);
  in.k = input.at("k").size(1);
  in.n = input.at("n").size(1);
  const auto d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const auto n = static_cast<std::size_t>(in.n);
  in.alphas = input.at("alpha").numbers(k);
  in.x = input.at("x").matrix(n, d);
  in.gamma = input.at("gamma").number();
  if (!(in.gamma > 0)) input.at("gamma").fail("expected a number > 0 (the Wishart prior takes log γ)");
  in.m = input.at("m").size(0);
  const std::size_t lower = d * (d - 1) / 2;
  if (input.has("icf")) {
    in.means = input.at("means").matrix(k, d);
    in.icf = input.at("icf").matrix(k, d + lower);
  } else {
    g.corrected_prior = true;
    in.means = input.at("mu").matrix(k, d);
    const std::vector<double> q = input.at("q").matrix(k, d);
    const Field l = input.at("l");
    for (const Field& lc : l.elements(k))
      for (const Field& e : lc.elements())
        if (e.json().is_array())
          e.fail(
              "l as a jagged array of rows is GradBench's newest gmm encoding, which this tool does not implement; "
              "expected l[k] to be d(d−1)/2 numbers (the strictly lower triangle, column by column)");
    const std::vector<double> lv = l.matrix(k, lower);
    for (std::size_t c = 0; c < k; ++c) {
      in.icf.insert(in.icf.end(), q.begin() + static_cast<std::ptrdiff_t>(c * d),
                    q.begin() + static_cast<std::ptrdiff_t>((c + 1) * d));
      in.icf.insert(in.icf.end(), lv.begin() + static_cast<std::ptrdiff_t>(c * lower),
                    lv.begin() + static_cast<std::ptrdiff_t>((c + 1) * lower));
    }
  }
  const std::size_t per_chunk = gmm_points_per_chunk(in, budget_bytes);
  for (std::size_t first = 0; first < n; first += per_chunk) {
    adbench::GmmInput chunk;
    chunk.d = in.d;
    chunk.k = in.k;
    chunk.n = static_cast<int>(std::min(per_chunk, n - first));
    chunk.x.assign(in.x.begin() + static_cast<std::ptrdiff_t>(first * d),
                   in.x.begin() + static_cast<std::ptrdiff_t>((first + static_cast<std::size_t>(chunk.n)) * d));
    chunk.gamma = in.gamma;
    chunk.m = in.m;
    g.chunks.push_back(std::move(chunk));
  }
  return g;
}

/// The objective in the problem's encoding, on doubles.
inline double gmm_value(const GmmProblem& g, const std::vector<double>& params) {
  const double f = adbench::gmm_objective(g.input, params.data());
  return g.corrected_prior ? f - 2.0 * gmm_prior(g.input, params.data()) : f;
}

/// The gradient by reverse mode, one recording and sweep per chunk of points:
///   f = Σ_chunks gmm_objective(chunk) − (C − 1) P   (ADBench's encoding; C chunks count the prior C times)
///   f = Σ_chunks gmm_objective(chunk) − (C + 1) P   (the corrected prior)
/// The prior's extra multiple is taken with the first chunk.
inline std::vector<double> gmm_gradient(const GmmProblem& g, const std::vector<double>& params) {
  std::vector<double> total(params.size(), 0.0);
  const double chunks = static_cast<double>(g.chunks.size());
  for (std::size_t c = 0; c < g.chunks.size(); ++c) {
    const double prior_weight = c == 0 ? chunks - 1.0 + (g.corrected_prior ? 2.0 : 0.0) : 0.0;
    const adbench::GmmInput& chunk = g.chunks[c];
    const adbench::GmmInput& whole = g.input;
    auto f = [&chunk, &whole, prior_weight](const auto& p) {
      using S = element_of<decltype(p)>;
      if (prior_weight == 0.0) return adbench::gmm_objective(chunk, p.data());
      return S(adbench::gmm_objective(chunk, p.data()) - prior_weight * gmm_prior(whole, p.data()));
    };
    const std::vector<double> gc = gradient(Reverse, f, params);
    for (std::size_t i = 0; i < total.size(); ++i) total[i] += gc[i];
  }
  return total;
}

/// The gradient in the corrected encoding's shape: {alpha[k], mu[k][d], q[k][d], l[k][d(d−1)/2]}.
inline OrderedJson gmm_independent_json(const adbench::GmmInput& in, const std::vector<double>& grad) {
  const auto d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const std::size_t t = adbench::gmm_icf_size(in.d);
  const double* alpha = grad.data();
  const double* mu = alpha + k;
  const double* icf = mu + k * d;
  OrderedJson q = OrderedJson::array(), l = OrderedJson::array();
  for (std::size_t c = 0; c < k; ++c) {
    q.push_back(std::vector<double>(icf + c * t, icf + c * t + d));
    l.push_back(std::vector<double>(icf + c * t + d, icf + (c + 1) * t));
  }
  OrderedJson out;
  out["alpha"] = std::vector<double>(alpha, alpha + k);
  out["mu"] = rows_to_json(mu, k, d);
  out["q"] = std::move(q);
  out["l"] = std::move(l);
  return out;
}

inline Module gmm_module(const Options& options) {
  const std::size_t budget = options.tape_budget_bytes;
  Module m{"gmm", {}};
  m.functions.emplace_back("objective", [budget](const Field& input, const Runs& runs) {
    const GmmProblem g = read_gmm_problem(input, budget);
    const std::vector<double> params = adbench::gmm_parameters(g.input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return gmm_value(g, params); });
    return e;
  });
  m.functions.emplace_back("jacobian", [budget](const Field& input, const Runs& runs) {
    const GmmProblem g = read_gmm_problem(input, budget);
    const std::vector<double> params = adbench::gmm_parameters(g.input);
    Evaluation e;
    const std::vector<double> grad = run_timed(runs, e.timings, [&] { return gmm_gradient(g, params); });
    e.output = g.corrected_prior ? gmm_independent_json(g.input, grad) : OrderedJson(grad);
    return e;
  });
  return m;
}

// --- ba ------------------------------------------------------------------------------------------------------------

inline adbench::BaInput read_ba_input(const Field& input) {
  const int n = input.at("n").size(1), m = input.at("m").size(1), p = input.at("p").size(1);
  const std::vector<double> cam = input.at("cam").numbers(adbench::kBaCameraParams);
  const std::vector<double> x = input.at("x").numbers(adbench::kBaPointParams);
  const double w = input.at("w").number();
  const std::vector<double> feat = input.at("feat").numbers(2);
  // 3p rows and 31p Jacobian entries must be countable in int, ADBench's index type.
  if (p > std::numeric_limits<int>::max() / 31 || n > std::numeric_limits<int>::max() / 16 ||
      m > std::numeric_limits<int>::max() / 16)
    input.fail("n, m and p are too large for the Jacobian's int indices");
  return adbench::ba_expand(n, m, p, cam.data(), x.data(), w, feat.data());
}

/// GradBench's compression of a repetitive array: its first 30 entries and its last one.
template <class T>
std::vector<T> ba_compress(const std::vector<T>& full) {
  std::vector<T> out(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(30, full.size())));
  if (!full.empty()) out.push_back(full.back());
  return out;
}

inline Module ba_module() {
  Module m{"ba", {}};
  m.functions.emplace_back("objective", [](const Field& input, const Runs& runs) {
    const adbench::BaInput in = read_ba_input(input);
    struct Residuals {
      std::vector<double> reproj, w;
    };
    Evaluation e;
    const Residuals r = run_timed(runs, e.timings, [&] {
      Residuals out;
      adbench::ba_objective(in, out.reproj, out.w);
      return out;
    });
    OrderedJson reproj, w_err;
    reproj["elements"] = std::vector<double>{r.reproj[0], r.reproj[1]};
    reproj["repeated"] = in.p;
    w_err["element"] = r.w[0];
    w_err["repeated"] = in.p;
    e.output["reproj_error"] = std::move(reproj);
    e.output["w_err"] = std::move(w_err);
    return e;
  });
  // Forward mode: each observation's 2 × 15 block in one evaluation on 15 lanes (adbench::ba_jacobian_forward).
  m.functions.emplace_back("jacobian", [](const Field& input, const Runs& runs) {
    const adbench::BaInput in = read_ba_input(input);
    Evaluation e;
    const adbench::BaSparseJacobian jac = run_timed(runs, e.timings, [&] { return adbench::ba_jacobian_forward(in); });
    e.output["rows"] = ba_compress(jac.rows);
    e.output["cols"] = ba_compress(jac.cols);
    e.output["vals"] = ba_compress(jac.vals);
    return e;
  });
  return m;
}

// --- ht ------------------------------------------------------------------------------------------------------------

/// Reads a 4 × 4 row-major transform, which must be affine (last row 0 0 0 1): the hand model keeps the top 3 × 4.
inline adbench::HandAffine<double> read_affine(const Field& f) {
  const std::vector<double> v = f.matrix(4, 4);
  if (v[12] != 0.0 || v[13] != 0.0 || v[14] != 0.0 || v[15] != 1.0)
    f.fail("expected an affine transform, whose last row is 0 0 0 1");
  adbench::HandAffine<double> a;
  std::copy(v.begin(), v.begin() + 12, a.begin());
  return a;
}

inline adbench::HandInput read_ht_input(const Field& input) {
  adbench::HandInput h;
  const Field data = input.at("data");
  const Field model = data.at("model");
  adbench::HandModel& md = h.model;
  constexpr auto bones = static_cast<std::size_t>(adbench::kHandBones);
  // The pose parameters map onto ADBench's 22-bone skeleton in its fixed order (GradBench: "This mapping is fixed").
  for (const Field& name : model.at("bone_names").elements(bones)) md.bone_names.push_back(name.string());
  if (model.has("bone_count")) model.at("bone_count").integer(adbench::kHandBones, adbench::kHandBones);
  const std::vector<Field> parents = model.at("parents").elements(bones);
  for (std::size_t b = 0; b < bones; ++b)
    md.parents.push_back(static_cast<int>(parents[b].integer(-1, static_cast<std::int64_t>(b) - 1)));
  for (const Field& t : model.at("base_relatives").elements(bones)) md.base_relatives.push_back(read_affine(t));
  for (const Field& t : model.at("inverse_base_absolutes").elements(bones))
    md.inverse_base_absolutes.push_back(read_affine(t));

  const Field positions = model.at("base_positions");
  std::size_t vertices = 0;
  const std::vector<double> pos = positions.matrix(Field::npos, 4, &vertices);
  if (vertices == 0) positions.fail("expected at least 1 vertex");
  for (std::size_t v = 0; v < vertices; ++v) {
    // Homogeneous points with w = 1: the skinning adds each transform's translation once.
    if (pos[4 * v + 3] != 1.0) positions.elements()[v].fail("expected a homogeneous point whose 4th coordinate is 1");
    md.base_positions.insert(md.base_positions.end(), pos.begin() + static_cast<std::ptrdiff_t>(4 * v),
                             pos.begin() + static_cast<std::ptrdiff_t>(4 * v + 3));
  }
  // Dense weights become the model's sparse (bone, weight) lists; a zero weight adds nothing to the skinning sum.
  const std::vector<double> weights = model.at("weights").matrix(vertices, bones);
  md.weight_start.push_back(0);
  for (std::size_t v = 0; v < vertices; ++v) {
    for (std::size_t b = 0; b < bones; ++b)
      if (weights[v * bones + b] != 0.0) {
        md.weight_bones.push_back(static_cast<int>(b));
        md.weight_values.push_back(weights[v * bones + b]);
      }
    md.weight_start.push_back(static_cast<int>(md.weight_bones.size()));
  }
  const int vertex_limit = static_cast<int>(vertices) - 1;
  for (const Field& t : model.at("triangles").elements()) {
    const std::vector<int> tri = t.integers(3, 0, vertex_limit);
    md.triangles.insert(md.triangles.end(), tri.begin(), tri.end());
  }
  md.is_mirrored = model.at("is_mirrored").boolean();

  const Field us = input.at("us");
  h.complicated = !us.elements().empty();
  const int limit = static_cast<int>(h.complicated ? md.triangle_count() : md.vertex_count()) - 1;
  if (limit < 0) model.at("triangles").fail("expected at least 1 triangle, since us is not empty");
  h.correspondences = data.at("correspondences").integers(Field::npos, 0, limit);
  const std::size_t points = h.correspondences.size();
  if (points == 0) data.at("correspondences").fail("expected at least 1 correspondence");
  h.points = data.at("points").matrix(points, 3);
  if (h.complicated) h.us = us.matrix(points, 2);
  h.theta = input.at("theta").numbers(adbench::kHandThetas);
  return h;
}

inline Module ht_module() {
  Module m{"ht", {}};
  m.functions.emplace_back("objective", [](const Field& input, const Runs& runs) {
    const adbench::HandInput in = read_ht_input(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return adbench::hand_objective(in); });
    return e;
  });
  // Forward mode, all 26 or 28 columns in one evaluation on Duals of as many lanes.
  m.functions.emplace_back("jacobian", [](const Field& input, const Runs& runs) {
    const adbench::HandInput in = read_ht_input(input);
    Evaluation e;
    const Matrix<double> jac = run_timed(runs, e.timings, [&] { return adbench::hand_jacobian_forward(in); });
    e.output = rows_to_json(jac.data(), jac.rows(), jac.cols());
    return e;
  });
  return m;
}

// --- lstm ----------------------------------------------------------------------------------------------------------

inline adbench::LstmInput read_lstm_input(const Field& input) {
  adbench::LstmInput in;
  std::size_t rows = 0, cols = 0;
  const Field main = input.at("main_params");
  in.main_params = main.matrix(Field::npos, Field::npos, &rows, &cols);
  if (rows == 0 || rows % 2 != 0) main.fail("expected an even, positive number of rows (2 per layer)");
  if (cols == 0 || cols % 4 != 0) main.fail("expected rows of 4b numbers with b ≥ 1 (4 gates per bit)");
  const std::size_t l = rows / 2, b = cols / 4;
  in.l = static_cast<int>(l);
  in.b = static_cast<int>(b);
  in.extra_params = input.at("extra_params").matrix(3, b);
  in.state = input.at("state").matrix(2 * l, b);
  std::size_t c = 0;
  in.sequence = input.at("sequence").matrix(Field::npos, b, &c);
  // Each character predicts the next one, so the loss needs two at least (with fewer it is 0/0).
  if (c < 2) input.at("sequence").fail("expected at least 2 rows");
  in.c = static_cast<int>(c);
  return in;
}

inline Module lstm_module() {
  Module m{"lstm", {}};
  m.functions.emplace_back("objective", [](const Field& input, const Runs& runs) {
    const adbench::LstmInput in = read_lstm_input(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] {
      return adbench::lstm_objective<double>(in, in.main_params.data(), in.extra_params.data());
    });
    return e;
  });
  // Reverse mode: one recording of the loss over the whole sequence and one sweep.
  m.functions.emplace_back("jacobian", [](const Field& input, const Runs& runs) {
    const adbench::LstmInput in = read_lstm_input(input);
    const std::vector<double> params = adbench::lstm_parameters(in);
    auto f = [&in](const auto& p) { return adbench::lstm_objective_flat(in, p); };
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return gradient(Reverse, f, params); });
    return e;
  });
  return m;
}

}  // namespace kinase::gradbench
