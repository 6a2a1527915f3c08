#pragma once
// The objectives of GradBench's smaller evals (llsq, lse, det, kmeans, ode, saddle), written once over the scalar
// type S so that the primal (double), the reverse engine (kinase::Real) and the forward engine (kinase::Dual) run the
// same code. The definitions follow GradBench's evals (evals/<name>/README.md and cpp/gradbench/evals/<name>.hpp in
// github.com/gradbench/gradbench); the code is this project's. No JSON here: modules_cmpad.hpp adapts these to the
// protocol.
//
// Comparisons and branch decisions read kinase::base_value (the plain number under any nest of engines): they carry
// no derivative, and reading the value keeps them from recording anything on a tape.
#include <cmath>
#include <cstddef>
#include <kinase/kinase.hpp>
#include <limits>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace kinase::gradbench {

// --- llsq: linear least squares (cmpad's llsq_obj) ----------------------------------------------------------------
//   y(x) = ½ Σ_{i<n} (s_i − Σ_{j<m} x_j t_i^j)²,  t_i = −1 + 2i/(n − 1),  s_i = sign(t_i).

/// The sample point t_i (needs n ≥ 2).
inline double llsq_t(std::size_t i, std::size_t n) {
  return -1.0 + static_cast<double>(i) * 2.0 / static_cast<double>(n - 1);
}

template <class S>
S llsq_objective(std::span<const S> x, std::size_t n) {
  S sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = llsq_t(i, n);
    const double s = static_cast<double>((0.0 < t) - (t < 0.0));
    S residual = s;
    // t is a constant, so its powers are plain numbers; only the products with x are recorded.
    double power = 1.0;
    for (std::size_t j = 0; j < x.size(); ++j) {
      residual -= x[j] * power;
      power *= t;
    }
    sum += residual * residual;
  }
  return S(0.5 * sum);
}

// --- lse: log-sum-exp with the maximum subtracted ------------------------------------------------------------------
//   LSE(x) = a + log Σ exp(x_i − a),  a = max x.
// The maximum is picked by comparing values and then used as an operand, as GradBench asks (a maximum and a sum, not
// a built-in LSE with its own derivative). x must not be empty.

template <class S>
S lse_objective(std::span<const S> x) {
  using std::exp;
  using std::log;
  std::size_t top = 0;
  for (std::size_t i = 1; i < x.size(); ++i)
    if (base_value(x[i]) > base_value(x[top])) top = i;
  const S& a = x[top];
  S sum = 0.0;
  for (const S& xi : x) sum += exp(xi - a);
  return S(log(sum) + a);
}

// --- det: the determinant by expansion by minors (cmpad's det_by_minor) ---------------------------------------------
// The Laplace expansion along the first remaining row, recursively: det M = Σ_j (−1)^j M_{0j} det(M without row 0 and
// column j), with the columns in increasing order. A is ell × ell, row-major. The cost is O(ell!), which is the point
// of the benchmark.

namespace detail {

/// The determinant of the minor of A made of rows row, row + 1, … and the columns `cols` (in increasing order).
/// `cols` is used as scratch space and restored.
template <class S>
S det_minor(const S* A, std::size_t ell, std::size_t row, std::vector<std::size_t>& cols) {
  const std::size_t m = cols.size();
  const S* r0 = A + row * ell;
  if (m == 1) return S(r0[cols[0]]);
  if (m == 2) {
    const S* r1 = r0 + ell;
    return S(r0[cols[0]] * r1[cols[1]] - r0[cols[1]] * r1[cols[0]]);
  }
  S det = 0.0;
  for (std::size_t p = 0; p < m; ++p) {
    const std::size_t c = cols[p];
    cols.erase(cols.begin() + static_cast<std::ptrdiff_t>(p));
    const S sub = det_minor(A, ell, row + 1, cols);
    cols.insert(cols.begin() + static_cast<std::ptrdiff_t>(p), c);
    if (p % 2 == 0)
      det += r0[c] * sub;
    else
      det -= r0[c] * sub;
  }
  return det;
}

}  // namespace detail

/// The terms of the expansion whose first prefix.size() rows use the columns `prefix` (distinct, each below ell):
/// ± A[0][prefix[0]] · A[1][prefix[1]] ⋯ · det(the minor of the remaining rows and columns). Summed over every
/// prefix of a given length this is det A; an empty prefix gives det A itself. Splitting the expansion this way lets
/// the gradient be taken term by term (a sum's gradient is the sum of its terms' gradients), so that the tape holds
/// one term's (ell − levels)! work instead of ell!.
template <class S>
S det_term(std::span<const S> A, std::size_t ell, std::span<const std::size_t> prefix) {
  std::vector<std::size_t> cols;
  for (std::size_t c = 0; c < ell; ++c) cols.push_back(c);
  double sign = 1.0;
  S product = 1.0;
  for (std::size_t r = 0; r < prefix.size(); ++r) {
    std::size_t position = 0;  // the column's position among the remaining ones gives the sign of its cofactor
    while (cols[position] != prefix[r]) ++position;
    if (position % 2 == 1) sign = -sign;
    product *= A[r * ell + prefix[r]];
    cols.erase(cols.begin() + static_cast<std::ptrdiff_t>(position));
  }
  if (cols.empty()) return S(sign * product);
  return S(sign * product * detail::det_minor(A.data(), ell, prefix.size(), cols));
}

/// det A by expansion by minors (A is ell × ell, row-major, ell ≥ 1).
template <class S>
S det_objective(std::span<const S> A, std::size_t ell) {
  return det_term<S>(A, ell, {});
}

// --- kmeans: the k-means cost --------------------------------------------------------------------------------------
//   cost(C) = Σ_i min_j ‖P_i − C_j‖²   (squared Euclidean distance, as GradBench's kmeans.hpp computes it)
// The nearest centroid is chosen on values (the first one on ties, as std::min keeps its first operand), and only
// the distance to it is formed in S: min passes its derivative to the operand it picked, so this is the same
// function and derivative, without recording the k − 1 distances that lose.

template <class S>
S kmeans_cost(std::span<const double> points, std::span<const S> centroids, std::size_t d) {
  const std::size_t n = points.size() / d, k = centroids.size() / d;
  std::vector<double> c(centroids.size());
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<double>(base_value(centroids[i]));
  S cost = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = points.data() + i * d;
    std::size_t best = 0;
    double best_dist = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < k; ++j) {
      double dist = 0.0;
      for (std::size_t l = 0; l < d; ++l) dist += (c[j * d + l] - p[l]) * (c[j * d + l] - p[l]);
      if (dist < best_dist) best = j, best_dist = dist;
    }
    S dist = 0.0;
    for (std::size_t l = 0; l < d; ++l) dist += (centroids[best * d + l] - p[l]) * (centroids[best * d + l] - p[l]);
    cost += dist;
  }
  return cost;
}

// --- ode: an ODE solved by Runge-Kutta (cmpad's an_ode) ------------------------------------------------------------
//   y_0' = x_0,  y_i' = x_i y_{i−1} (i > 0),  y(0) = 0,  solved to t = 2 by s steps of classical RK4.

/// One RK4 step of the ODE with step h: y (n values) advances in place; x (n values) are the coefficients.
template <class S>
void ode_step(std::span<S> y, std::span<const S> x, double h) {
  const std::size_t n = y.size();
  std::vector<S> k1(n), k2(n), k3(n), k4(n), tmp(n);
  auto rhs = [&](const std::vector<S>& u, std::vector<S>& z) {
    z[0] = x[0];
    for (std::size_t i = 1; i < n; ++i) z[i] = x[i] * u[i - 1];
  };
  for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i];
  rhs(tmp, k1);
  for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + h * k1[i] / 2.0;
  rhs(tmp, k2);
  for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + h * k2[i] / 2.0;
  rhs(tmp, k3);
  for (std::size_t i = 0; i < n; ++i) tmp[i] = y[i] + h * k3[i];
  rhs(tmp, k4);
  for (std::size_t i = 0; i < n; ++i) y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
}

/// y(2) after s RK4 steps from y(0) = 0 (n = x.size() ≥ 1 values). The steps run through kinase::checkpointed_loop:
/// on values and Duals it is a plain loop; on the tape it keeps one snapshot every `segment` steps and tapes one
/// segment at a time in the reverse sweep, so memory does not grow with s · n.
template <class S>
std::vector<S> ode_solve(std::span<const S> x, std::size_t s, std::size_t segment) {
  std::vector<S> y(x.size(), S(0.0));
  if (s == 0) return y;
  std::vector<S> params(x.begin(), x.end());
  const double h = 2.0 / static_cast<double>(s);
  // The step captures h by value only: it runs again in the reverse sweep, after this function has returned.
  auto step = [h](auto u, auto p, std::size_t) { ode_step(u, p, h); };
  checkpointed_loop(s, y, params, step, every(segment == 0 ? 1 : segment));
  return y;
}

// --- saddle: a saddle point by nested gradient descent (Pearlmutter and Siskind) -----------------------------------
//   f(p1, p2) = (p1_0² + p1_1²) − (p2_0² + p2_1²)
// r1 = argmin_{p1} max_{p2} f(p1, p2) and r2 = argmax_{p2} f(r1, p2), both searches starting at `start`. The inner
// max is a gradient descent inside the outer objective, so the outer gradient differentiates through it: nested AD.

template <class A, class B>
auto saddle_f(const A& p1x, const A& p1y, const B& p2x, const B& p2y) {
  return (p1x * p1x + p1y * p1y) - (p2x * p2x + p2y * p2y);
}

/// GradBench's gradient-descent solver (cpp/gradbench/gd.hpp), restated: steps x' = x − η∇f with η starting at 1e-5,
/// doubled after 10 accepted steps in a row and halved when a step does not decrease f; it stops when ‖∇f‖ ≤ 1e-5 or
/// a step moves less than 1e-5. It runs on any scalar T (the outer call's Duals or Reals in the nested case);
/// decisions read values. `f(x)` returns f as T, `grad(x)` its gradient as a std::vector<T>.
template <class T, class F, class G>
std::vector<T> gd_argmin(F&& f, G&& grad, std::vector<T> x) {
  auto norm = [](const std::vector<T>& v) {
    double acc = 0.0;
    for (const T& e : v) acc += static_cast<double>(base_value(e)) * static_cast<double>(base_value(e));
    return std::sqrt(acc);
  };
  T fx = f(x);
  std::vector<T> g = grad(x);
  int accepted = 0;
  double eta = 1e-5;
  // The solver converges on any smooth f bounded below; the cap only keeps a pathological input from looping forever.
  for (long iteration = 0; iteration < 100000000; ++iteration) {
    if (norm(g) <= 1e-5) return x;
    if (accepted == 10) {
      eta *= 2.0;
      accepted = 0;
      continue;
    }
    std::vector<T> next(x.size());
    double moved = 0.0;
    for (std::size_t j = 0; j < x.size(); ++j) {
      next[j] = x[j] - eta * g[j];
      const double delta = static_cast<double>(base_value(x[j])) - static_cast<double>(base_value(next[j]));
      moved += delta * delta;
    }
    if (std::sqrt(moved) <= 1e-5) return x;
    T fnext = f(next);
    if (base_value(fnext) < base_value(fx)) {
      x = std::move(next);
      fx = std::move(fnext);
      g = grad(x);
      ++accepted;
    } else {
      eta /= 2.0;
      accepted = 0;
    }
  }
  throw std::runtime_error("saddle: gradient descent did not converge in 10^8 iterations");
}

/// argmax by descending −f.
template <class T, class F, class G>
std::vector<T> gd_argmax(F&& f, G&& grad, std::vector<T> x) {
  auto neg_f = [&](const std::vector<T>& v) { return T(-f(v)); };
  auto neg_grad = [&](const std::vector<T>& v) {
    std::vector<T> g = grad(v);
    for (T& e : g) e = -e;
    return g;
  };
  return gd_argmin<T>(neg_f, neg_grad, std::move(x));
}

}  // namespace kinase::gradbench
