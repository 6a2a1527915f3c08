#pragma once
// ADBench's LSTM objective (benchmark suite, problem D), written once over the scalar type S so that the primal
// (double), the reverse engine (kinase::Real), the forward engine (kinase::Dual) and any peer run the same code.
//
// l layers, b bits per character, c characters. The parameters are
//   main_params   2l rows of 4b: for layer j, row 2j holds the weights w_j and row 2j+1 the biases β_j, each split
//                 into four b-blocks in the order forget (f), ingate (i), outgate (o), change (g);
//   extra_params  3 rows of b: in_weight, out_weight, out_bias.
// The constants are the initial state (2l rows of b: for layer j, row 2j the hidden values h_j, row 2j+1 the cell
// values s_j) and the sequence (c rows of b bits x_0 … x_{c−1}).
//
// One cell of layer j with input u, all products elementwise over the b bits, σ(z) = 1 / (1 + exp(−z)):
//   forget = σ(u∘w_f + β_f)     ingate = σ(h_j∘w_i + β_i)     outgate = σ(u∘w_o + β_o)     change = tanh(h_j∘w_g + β_g)
//   s_j ← s_j∘forget + ingate∘change,   h_j ← outgate∘tanh(s_j)
// (forget and outgate read the input, ingate and change the hidden values: this is ADBench's definition, and its
// reference outputs follow it.)
// One prediction from a character x: u = x∘in_weight; every layer in turn runs its cell on u and passes its new h_j on
// as the next layer's u; the prediction is y = u∘out_weight + out_bias. The state carries over from one character to
// the next.
// The objective over t = 0 … c−2 (each character predicts the next one):
//   y_t = predict(x_t),   L_t = log(2 + Σ_k exp(y_tk)),   f = −Σ_t Σ_k x_{t+1,k} (y_tk − L_t) / ((c − 1) b).
// The normalizer L_t is ADBench's: its "log-sum-exp" adds the constant 2 inside the logarithm, so the log-softmax is
// taken as if there were one more class with the fixed logit log 2. It is computed with the largest logit (that
// constant included) subtracted before exp, which changes the value by rounding only.
//
// The flat parameter vector (lstm_parameters, lstm_objective_flat) is main_params then extra_params, which is the
// order of ADBench's gradient (8lb + 3b values).
#include <cmath>
#include <cstddef>
#include <iterator>
#include <numbers>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace kinase::adbench {

/// One LSTM instance: sizes, the parameters at which to differentiate, the initial state and the sequence.
struct LstmInput {
  int l = 0;                         ///< layers
  int c = 0;                         ///< characters in the sequence
  int b = 0;                         ///< bits per character
  std::vector<double> main_params;   ///< 2l·4b: per layer a row of weights, then a row of biases
  std::vector<double> extra_params;  ///< 3b: in_weight, out_weight, out_bias
  std::vector<double> state;         ///< 2l·b: per layer a row of hidden values, then a row of cell values
  std::vector<double> sequence;      ///< c·b bits, character by character
};

/// Number of main parameters: 8·l·b.
inline std::size_t lstm_main_count(const LstmInput& in) {
  return 8 * static_cast<std::size_t>(in.l) * static_cast<std::size_t>(in.b);
}

/// Number of extra parameters: 3·b.
inline std::size_t lstm_extra_count(const LstmInput& in) { return 3 * static_cast<std::size_t>(in.b); }

/// Length of the flat parameter vector: 8·l·b + 3·b.
inline std::size_t lstm_parameter_count(const LstmInput& in) { return lstm_main_count(in) + lstm_extra_count(in); }

/// The instance's parameters as one flat vector (main_params, then extra_params).
inline std::vector<double> lstm_parameters(const LstmInput& in) {
  std::vector<double> p;
  p.reserve(lstm_parameter_count(in));
  p.insert(p.end(), in.main_params.begin(), in.main_params.end());
  p.insert(p.end(), in.extra_params.begin(), in.extra_params.end());
  return p;
}

/// σ(z) = 1 / (1 + exp(−z)) as a value of type S. `z` may be an expression, so the affine argument and the sigmoid
/// are recorded together.
template <class S, class E>
S lstm_sigmoid(const E& z) {
  using std::exp;
  return 1.0 / (1.0 + exp(-z));
}

/// ADBench's normalizer log(2 + Σ_k exp(y_k)) over `b` logits. The constant 2 is exp(log 2), a logit that is not a
/// parameter; whichever of it and the y_k is largest is subtracted before exp, so exp cannot overflow. The largest
/// y_k is chosen by comparing values and then used as an operand, so no copy of it is recorded.
template <class S>
S lstm_log_normalizer(const S* y, std::size_t b) {
  using std::exp;
  using std::log;
  constexpr double log2 = std::numbers::ln2;
  std::size_t top = 0;
  for (std::size_t k = 1; k < b; ++k)
    if (y[k] > y[top]) top = k;
  if (b > 0 && y[top] > log2) {
    const S& max = y[top];
    S sum = 2.0 * exp(-max);
    for (std::size_t k = 0; k < b; ++k) sum += exp(y[k] - max);
    return log(sum) + max;
  }
  S sum(1.0);  // the constant class, exp(log 2 − log 2)
  for (std::size_t k = 0; k < b; ++k) sum += exp(y[k] - log2);
  return log(sum) + log2;
}

/// One LSTM cell over `b` bits: updates the layer's hidden values and cell values in place, from the input `u` and
/// the layer's weights and biases (each 4b: forget, ingate, outgate, change).
template <class S>
void lstm_cell(std::size_t b, const S* weight, const S* bias, const S* u, S* hidden, S* cell) {
  using std::tanh;
  const S* w_forget = weight;
  const S* w_in = weight + b;
  const S* w_out = weight + 2 * b;
  const S* w_change = weight + 3 * b;
  const S* b_forget = bias;
  const S* b_in = bias + b;
  const S* b_out = bias + 2 * b;
  const S* b_change = bias + 3 * b;
  for (std::size_t k = 0; k < b; ++k) {
    // Every gate reads hidden[k] before it is overwritten below; bit k depends on no other bit.
    const S forget = lstm_sigmoid<S>(u[k] * w_forget[k] + b_forget[k]);
    const S ingate = lstm_sigmoid<S>(hidden[k] * w_in[k] + b_in[k]);
    const S outgate = lstm_sigmoid<S>(u[k] * w_out[k] + b_out[k]);
    const S change = tanh(hidden[k] * w_change[k] + b_change[k]);
    cell[k] = cell[k] * forget + ingate * change;
    hidden[k] = outgate * tanh(cell[k]);
  }
}

/// ADBench's LSTM objective at `main_params` (8lb values) and `extra_params` (3b values); the initial state and the
/// sequence come from `in` and are constants. Needs c ≥ 2 (with fewer characters there is nothing to predict and the
/// result is 0/0).
template <class S>
S lstm_objective(const LstmInput& in, const S* main_params, const S* extra_params) {
  const std::size_t l = static_cast<std::size_t>(in.l), b = static_cast<std::size_t>(in.b);
  const std::size_t c = static_cast<std::size_t>(in.c);
  const S* in_weight = extra_params;
  const S* out_weight = extra_params + b;
  const S* out_bias = extra_params + 2 * b;

  std::vector<S> state(in.state.begin(), in.state.end());  // updated along the sequence
  std::vector<S> u(b, S(0.0)), y(b, S(0.0));
  S total(0.0);
  for (std::size_t t = 0; t + 1 < c; ++t) {
    const double* x = in.sequence.data() + t * b;
    for (std::size_t k = 0; k < b; ++k) u[k] = x[k] * in_weight[k];
    for (std::size_t j = 0; j < l; ++j) {
      const S* weight = main_params + 2 * j * 4 * b;
      S* hidden = state.data() + 2 * j * b;
      lstm_cell(b, weight, weight + 4 * b, u.data(), hidden, hidden + b);
      for (std::size_t k = 0; k < b; ++k) u[k] = hidden[k];
    }
    for (std::size_t k = 0; k < b; ++k) y[k] = u[k] * out_weight[k] + out_bias[k];
    const S normalizer = lstm_log_normalizer(y.data(), b);
    const double* next = x + b;
    for (std::size_t k = 0; k < b; ++k) total += next[k] * (y[k] - normalizer);
  }
  const double count = static_cast<double>(c > 0 ? c - 1 : 0) * static_cast<double>(b);
  return -total / count;
}

/// The objective at one flat vector `params` (main_params, then extra_params), for the API's gradient and jacobian:
/// `kinase::gradient(kinase::Reverse, [&](const auto& p) { return lstm_objective_flat(in, p); }, lstm_parameters(in))`
/// gives the gradient in ADBench's order. Throws std::invalid_argument if `params` has the wrong length.
template <class V>
auto lstm_objective_flat(const LstmInput& in, const V& params) {
  using S = std::remove_cvref_t<decltype(*std::data(params))>;
  const std::size_t n = std::size(params);
  if (n != lstm_parameter_count(in))
    throw std::invalid_argument("lstm_objective_flat: " + std::to_string(n) + " parameters given, the instance has " +
                                std::to_string(lstm_parameter_count(in)));
  const S* p = std::data(params);
  return lstm_objective<S>(in, p, p + lstm_main_count(in));
}

}  // namespace kinase::adbench
