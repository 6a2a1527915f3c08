#pragma once
// ADBench's Gaussian mixture model objective (design §6–§7, benchmark B2), written once over the scalar type S so
// that the primal (double), every reverse and forward engine and every peer run the same code.
//
// K components in d dimensions, n points x_i. Component c has a weight α_c, a mean μ_c and the inverse covariance
// factor Q_c = diag(exp(q_c)) + L_c (L_c strictly lower triangular), stored as icf_c = (q_c, the d(d−1)/2 entries of
// L_c column by column). The objective, as ADBench defines it, is the mixture's log-likelihood of the points
// (softmax weights from α) plus a Wishart prior term on Q_c (γ, m):
//   β_ic = α_c + Σ_j q_cj − ½‖Q_c (x_i − μ_c)‖²
//   f    = −½ n d log 2π + Σ_i lse_c(β_ic) − n lse_c(α_c)
//          + Σ_c [½ γ² (‖exp(q_c)‖² + ‖L_c‖²) − m Σ_j q_cj] − K W(d, γ, m)
//   W    = n' d (log γ − ½ log 2) − log Γ_d(n'/2),  n' = d + m + 1,  log Γ_d(a) = ¼ d(d−1) log π + Σ_j lgamma(a +
//   ½(1−j))
// where lse(v) = log Σ exp(v_c − max v) + max v (the max subtracted so that exp cannot overflow).
//
// The parameters are one flat vector in ADBench's order: alphas (K), means (K·d), icf (K·d(d+1)/2).
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace kinase::adbench {

/// One GMM instance: sizes, the parameters at which to differentiate, the points and the Wishart prior.
struct GmmInput {
  int d = 0;                   ///< dimension
  int k = 0;                   ///< components
  int n = 0;                   ///< points
  std::vector<double> alphas;  ///< k
  std::vector<double> means;   ///< k·d, component by component
  std::vector<double> icf;     ///< k·d(d+1)/2, component by component
  std::vector<double> x;       ///< n·d, point by point
  double gamma = 1.0;          ///< Wishart γ
  int m = 0;                   ///< Wishart m
};

/// Entries of one component's icf: d log-diagonal values and d(d−1)/2 strictly-lower-triangle values.
inline std::size_t gmm_icf_size(int d) { return static_cast<std::size_t>(d) * static_cast<std::size_t>(d + 1) / 2; }

/// Length of the flat parameter vector: K + K·d + K·d(d+1)/2.
inline std::size_t gmm_parameter_count(const GmmInput& in) {
  const auto k = static_cast<std::size_t>(in.k), d = static_cast<std::size_t>(in.d);
  return k + k * d + k * gmm_icf_size(in.d);
}

/// The instance's parameters as one flat vector (alphas, means, icf).
inline std::vector<double> gmm_parameters(const GmmInput& in) {
  std::vector<double> p;
  p.reserve(gmm_parameter_count(in));
  p.insert(p.end(), in.alphas.begin(), in.alphas.end());
  p.insert(p.end(), in.means.begin(), in.means.end());
  p.insert(p.end(), in.icf.begin(), in.icf.end());
  return p;
}

/// The constant part of the Wishart prior per component, W(d, γ, m) above (no parameter enters it).
inline double gmm_wishart_constant(int d, double gamma, int m) {
  const double np = static_cast<double>(d + m + 1);
  double log_gamma_d = 0.25 * d * (d - 1) * std::log(std::numbers::pi);  // log of the multivariate gamma Γ_d(np/2)
  for (int j = 1; j <= d; ++j) log_gamma_d += std::lgamma(0.5 * np + 0.5 * (1 - j));
  return np * d * (std::log(gamma) - 0.5 * std::log(2.0)) - log_gamma_d;
}

/// log Σ exp(v_c) over `count` values, with the largest subtracted first: lse(v) = log Σ exp(v_c − v_max) + v_max.
/// The max is picked by comparing values and then used as an operand, so no copy of it is recorded.
template <class S>
S gmm_log_sum_exp(const S* v, std::size_t count) {
  using std::exp;
  using std::log;
  std::size_t top = 0;
  for (std::size_t c = 1; c < count; ++c)
    if (v[c] > v[top]) top = c;
  const S& max = v[top];
  S sum(0.0);
  for (std::size_t c = 0; c < count; ++c) sum += exp(v[c] - max);
  return log(sum) + max;
}

/// The GMM objective at the flat parameter vector `params` (alphas, means, icf); the points come from `in`.
template <class S>
S gmm_objective(const GmmInput& in, const S* params) {
  using std::exp;
  const std::size_t d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const std::size_t n = static_cast<std::size_t>(in.n), t = gmm_icf_size(in.d);
  const S* alphas = params;
  const S* means = params + k;
  const S* icf = means + k * d;

  // Per component: Σ_j q_cj (the log-determinant of Q_c) and the diagonal exp(q_c).
  std::vector<S> sum_q(k, S(0.0)), diag(k * d, S(0.0));
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < d; ++j) {
      sum_q[c] += icf[c * t + j];
      diag[c * d + j] = exp(icf[c * t + j]);
    }
  }

  // Σ_i lse_c(β_ic), with y = Q_c (x_i − μ_c) built column by column of L_c.
  std::vector<S> centered(d, S(0.0)), y(d, S(0.0)), beta(k, S(0.0));
  S sum_lse(0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double* xi = in.x.data() + i * d;
    for (std::size_t c = 0; c < k; ++c) {
      const S* mu = means + c * d;
      const S* dc = diag.data() + c * d;
      const S* lc = icf + c * t + d;
      for (std::size_t j = 0; j < d; ++j) centered[j] = xi[j] - mu[j];
      for (std::size_t j = 0; j < d; ++j) y[j] = dc[j] * centered[j];
      std::size_t p = 0;
      for (std::size_t col = 0; col < d; ++col)
        for (std::size_t row = col + 1; row < d; ++row) y[row] += lc[p++] * centered[col];
      S norm2(0.0);
      for (std::size_t j = 0; j < d; ++j) norm2 += y[j] * y[j];
      beta[c] = alphas[c] + sum_q[c] - 0.5 * norm2;
    }
    sum_lse += gmm_log_sum_exp(beta.data(), k);
  }

  // The Wishart prior: ½ γ² ‖Q_c‖_F² − m Σ_j q_cj per component, less the constant K·W.
  const double half_gamma2 = 0.5 * in.gamma * in.gamma;
  S prior(0.0);
  for (std::size_t c = 0; c < k; ++c) {
    S frobenius(0.0);
    for (std::size_t j = 0; j < d; ++j) frobenius += diag[c * d + j] * diag[c * d + j];
    for (std::size_t p = d; p < t; ++p) frobenius += icf[c * t + p] * icf[c * t + p];
    prior += half_gamma2 * frobenius - static_cast<double>(in.m) * sum_q[c];
  }

  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  const double constant = -0.5 * nd * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) -
                          kd * gmm_wishart_constant(in.d, in.gamma, in.m);
  const S lse_alphas = gmm_log_sum_exp(alphas, k);
  return constant + sum_lse - nd * lse_alphas + prior;
}

}  // namespace kinase::adbench
