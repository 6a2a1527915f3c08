#pragma once
// The GMM objective's gradient written by hand (benchmark B2's floor, tool "manual"): one pass over the points
// computes the objective and accumulates every partial, as a person would write it.
//
// With y = Q_c (x_i − μ_c), β_ic = α_c + Σ_j q_cj − ½‖y‖² and the responsibilities w_ic = softmax_c(β_i·)
// (∂ lse_c(β_ic)/∂β_ic = w_ic), the chain rule through the definitions in gmm.hpp gives
//   ∂f/∂α_c     = Σ_i w_ic − n softmax(α)_c
//   ∂f/∂μ_c     = Σ_i w_ic Q_cᵀ y                                (∂(−½‖Q(x−μ)‖²)/∂μ = Qᵀ Q (x−μ))
//   ∂f/∂q_cj    = Σ_i w_ic (1 − y_j e^{q_cj} (x−μ)_j) + γ² e^{2 q_cj} − m   (Q_jj = e^{q_j})
//   ∂f/∂L_c,rs  = −Σ_i w_ic y_r (x−μ)_s + γ² L_c,rs               (r > s)
// The Wishart constant has no parameter in it.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

#include "gmm.hpp"

namespace kinase::adbench {

/// The objective at `params` (alphas, means, icf); writes its gradient, of the same layout, to `grad`.
inline double gmm_objective_and_gradient(const GmmInput& in, const double* params, double* grad) {
  const std::size_t d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const std::size_t n = static_cast<std::size_t>(in.n), t = gmm_icf_size(in.d);
  const double* alphas = params;
  const double* means = params + k;
  const double* icf = means + k * d;
  double* g_alphas = grad;
  double* g_means = grad + k;
  double* g_icf = g_means + k * d;
  std::fill(grad, grad + gmm_parameter_count(in), 0.0);

  std::vector<double> sum_q(k, 0.0), diag(k * d);
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t j = 0; j < d; ++j) {
      sum_q[c] += icf[c * t + j];
      diag[c * d + j] = std::exp(icf[c * t + j]);
    }
  }

  // Per point: every component's x − μ, y and β are kept for the backward half.
  std::vector<double> centered(k * d), y(k * d), beta(k), scaled(k), weight_sum(k, 0.0), wy(d);
  double sum_lse = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* xi = in.x.data() + i * d;
    for (std::size_t c = 0; c < k; ++c) {
      const double* mu = means + c * d;
      const double* dc = diag.data() + c * d;
      const double* lc = icf + c * t + d;
      double* xc = centered.data() + c * d;
      double* yc = y.data() + c * d;
      for (std::size_t j = 0; j < d; ++j) xc[j] = xi[j] - mu[j];
      for (std::size_t j = 0; j < d; ++j) yc[j] = dc[j] * xc[j];
      std::size_t p = 0;
      for (std::size_t col = 0; col < d; ++col)
        for (std::size_t row = col + 1; row < d; ++row) yc[row] += lc[p++] * xc[col];
      double norm2 = 0.0;
      for (std::size_t j = 0; j < d; ++j) norm2 += yc[j] * yc[j];
      beta[c] = alphas[c] + sum_q[c] - 0.5 * norm2;
    }
    const double max = *std::max_element(beta.begin(), beta.end());
    double sum = 0.0;
    for (std::size_t c = 0; c < k; ++c) sum += scaled[c] = std::exp(beta[c] - max);
    sum_lse += std::log(sum) + max;

    // Backward: w_ic = exp(β_ic − max) / Σ.
    const double inv_sum = 1.0 / sum;
    for (std::size_t c = 0; c < k; ++c) {
      const double w = scaled[c] * inv_sum;
      weight_sum[c] += w;
      const double* dc = diag.data() + c * d;
      const double* lc = icf + c * t + d;
      const double* xc = centered.data() + c * d;
      const double* yc = y.data() + c * d;
      double* gm = g_means + c * d;
      double* gq = g_icf + c * t;
      double* gl = gq + d;
      for (std::size_t j = 0; j < d; ++j) {
        wy[j] = w * yc[j];
        gm[j] += dc[j] * wy[j];          // diagonal part of Qᵀ (w y)
        gq[j] -= wy[j] * dc[j] * xc[j];  // −w y_j e^{q_j} (x−μ)_j
      }
      std::size_t p = 0;
      for (std::size_t col = 0; col < d; ++col) {
        for (std::size_t row = col + 1; row < d; ++row, ++p) {
          gm[col] += lc[p] * wy[row];  // strictly lower part of Qᵀ (w y)
          gl[p] -= wy[row] * xc[col];
        }
      }
    }
  }

  // −n lse(α): its gradient is −n softmax(α).
  const double alpha_max = *std::max_element(alphas, alphas + k);
  double alpha_sum = 0.0;
  for (std::size_t c = 0; c < k; ++c) alpha_sum += std::exp(alphas[c] - alpha_max);
  const double lse_alphas = std::log(alpha_sum) + alpha_max;
  const double nd = static_cast<double>(n);
  for (std::size_t c = 0; c < k; ++c) g_alphas[c] = weight_sum[c] - nd * std::exp(alphas[c] - lse_alphas);

  // The prior ½ γ² ‖Q_c‖_F² − m Σ q_c, and the Σ_i w_ic from ∂β/∂q = 1.
  const double gamma2 = in.gamma * in.gamma, m = static_cast<double>(in.m);
  double prior = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    double frobenius = 0.0;
    double* gq = g_icf + c * t;
    for (std::size_t j = 0; j < d; ++j) {
      const double e = diag[c * d + j];
      frobenius += e * e;
      gq[j] += weight_sum[c] + gamma2 * e * e - m;
    }
    for (std::size_t p = d; p < t; ++p) {
      const double l = icf[c * t + p];
      frobenius += l * l;
      gq[p] += gamma2 * l;
    }
    prior += 0.5 * gamma2 * frobenius - m * sum_q[c];
  }

  const double constant = -0.5 * nd * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) -
                          static_cast<double>(k) * gmm_wishart_constant(in.d, in.gamma, in.m);
  return constant + sum_lse - nd * lse_alphas + prior;
}

}  // namespace kinase::adbench
