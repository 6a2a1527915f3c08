#pragma once
// ADBench's GMM objective (gmm.hpp) written for the compiled engine as well as for the other engines: the loop over
// the points is a kinase::for_range, so that kinase::compile keeps it as one loop (the components and dimensions,
// known when tracing, are unrolled in its body), and the points are an argument (`data`, n·d numbers) that the loop
// reads at its counter. The log-sum-exp takes its maximum with max() instead of a branch. Same value as
// gmm_objective up to rounding.
#include <cmath>
#include <cstdint>
#include <kinase/kinase.hpp>
#include <numbers>
#include <type_traits>
#include <vector>

#include "adbench/gmm.hpp"

namespace kinase::adbench {

/// The GMM objective of `in`'s sizes at `params` (alphas, means, icf) for the points `data` (n·d numbers).
template <class P, class X>
auto gmm_objective_loops(const GmmInput& in, const P& params, const X& data) {
  using S = std::remove_cvref_t<decltype(params[0])>;
  using std::exp;
  using std::log;
  using std::max;
  const std::size_t d = static_cast<std::size_t>(in.d), k = static_cast<std::size_t>(in.k);
  const std::size_t t = gmm_icf_size(in.d);
  const std::size_t means = k, icf = k + k * d;

  // Per component, outside the loop: Σ_j q_cj and the diagonal exp(q_c).
  std::vector<S> sum_q(k, S(0.0)), diag(k * d, S(0.0));
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t j = 0; j < d; ++j) {
      sum_q[c] += params[icf + c * t + j];
      diag[c * d + j] = exp(params[icf + c * t + j]);
    }

  const S sum_lse = kinase::for_range(0, in.n, S(0.0), [&](auto i, const S& acc) {
    std::vector<S> beta(k, S(0.0)), centered(d, S(0.0)), y(d, S(0.0));
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t j = 0; j < d; ++j) centered[j] = S(data[i * d + j] - params[means + c * d + j]);
      for (std::size_t j = 0; j < d; ++j) y[j] = diag[c * d + j] * centered[j];
      std::size_t p = icf + c * t + d;
      for (std::size_t col = 0; col < d; ++col)
        for (std::size_t row = col + 1; row < d; ++row) y[row] += params[p++] * centered[col];
      S norm2(0.0);
      for (std::size_t j = 0; j < d; ++j) norm2 += y[j] * y[j];
      beta[c] = params[c] + sum_q[c] - 0.5 * norm2;
    }
    S top = beta[0];
    for (std::size_t c = 1; c < k; ++c) top = max(top, beta[c]);
    S sum(0.0);
    for (std::size_t c = 0; c < k; ++c) sum += exp(beta[c] - top);
    return S(acc + (log(sum) + top));
  });

  const double half_gamma2 = 0.5 * in.gamma * in.gamma;
  S prior(0.0);
  for (std::size_t c = 0; c < k; ++c) {
    S frobenius(0.0);
    for (std::size_t j = 0; j < d; ++j) frobenius += diag[c * d + j] * diag[c * d + j];
    for (std::size_t p = d; p < t; ++p) frobenius += params[icf + c * t + p] * params[icf + c * t + p];
    prior += half_gamma2 * frobenius - static_cast<double>(in.m) * sum_q[c];
  }
  S top = params[0];
  for (std::size_t c = 1; c < k; ++c) top = max(top, S(params[c]));
  S sum_alphas(0.0);
  for (std::size_t c = 0; c < k; ++c) sum_alphas += exp(params[c] - top);
  const S lse_alphas = log(sum_alphas) + top;

  const double nd = static_cast<double>(in.n), kd = static_cast<double>(k);
  const double constant = -0.5 * nd * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) -
                          kd * gmm_wishart_constant(in.d, in.gamma, in.m);
  return S(constant + sum_lse - nd * lse_alphas + prior);
}

}  // namespace kinase::adbench
