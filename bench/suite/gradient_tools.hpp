#pragma once
// The tools of the suite's gradient problems (GMM, LSTM, Rosenbrock), on one objective written over the scalar type:
// Kinase's tape, ADOL-C (taped at every call, and taped once then replayed), Sacado's reverse mode, and Ceres' Jet
// and Eigen's AutoDiffScalar in forward mode (32 lanes, one pass per 32 inputs, their time predicted from one pass).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <kinase/kinase.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adbench/gmm_io.hpp"
#include "suite/peers.hpp"
#include "suite/suite.hpp"

#ifdef KINASE_BENCH_COMPILED
#include <kinase/compiled.hpp>
#endif

namespace kinase::suite {

/// The point, the result buffer and the reference a gradient problem's tools share.
struct GradientCase {
  const std::vector<double>* x;       ///< where the gradient is taken
  std::vector<double>* grad;          ///< every tool writes its gradient here
  double objective;                   ///< the expected objective
  const std::vector<double>* expect;  ///< the expected gradient
  short adolc_tag;                    ///< ADOL-C's tape number for this problem

  /// The largest ADBench difference of (y, grad) from the expected objective and gradient.
  double check(double y) const {
    return std::max(adbench::adbench_difference(y, objective), worst_difference(*grad, *expect));
  }
  /// A run(n) that calls `once` n times, with the compiler made to keep every call.
  template <class Once>
  std::function<void(std::size_t)> repeat(Once once) const {
    return [x = x, grad = grad, once](std::size_t n) {
      for (std::size_t k = 0; k < n; ++k) {
        bench::escape(x->data());
        once();
        bench::escape(grad->data());
      }
    };
  }
};

/// Forward mode with L's lanes: one pass per L::lanes inputs.
template <class L, class F>
Tool forward_gradient_tool(const char* name, F f, const GradientCase& c) {
  auto fl = [f](const std::vector<typename L::S>& p) { return f(p); };
  Tool t;
  t.name = name;
  t.note = "forward mode, " + std::to_string(L::lanes) + " lanes, " + std::to_string(forward_passes<L>(c.x->size())) +
           " passes";
  t.predict_s = [fl, c] {
    const auto start = std::chrono::steady_clock::now();
    forward_gradient<L>(fl, *c.x, c.grad->data(), 1);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
           static_cast<double>(forward_passes<L>(c.x->size()));
  };
  t.check = [fl, c] { return c.check(forward_gradient<L>(fl, *c.x, c.grad->data())); };
  t.run = c.repeat([fl, c] { forward_gradient<L>(fl, *c.x, c.grad->data()); });
  return t;
}

/// Every tool but the hand-written one. `f` is generic: f(const std::vector<S>&) (or the API's container of S)
/// returns the objective as an S.
template <class F>
std::vector<Tool> gradient_tools(F f, const GradientCase& c) {
  constexpr int lanes = 32;
  std::vector<Tool> tools;
  tools.push_back({"kinase",
                   [f, c] {
                     const auto r = kinase::gradient(kinase::ReverseWithPrimal, f, *c.x);
                     *c.grad = r.derivative;
                     return c.check(r.primal);
                   },
                   c.repeat([f, c] { *c.grad = kinase::gradient(kinase::Reverse, f, *c.x); }),
                   {},
                   "reverse tape (kinase::gradient)"});
  auto adolc = std::make_shared<AdolcGradient>(c.adolc_tag, c.x->size(),
                                               [f](const std::vector<adouble>& p) { return adouble(f(p)); });
  tools.push_back({"adolc",
                   [adolc, c] { return c.check(adolc->record_and_sweep(*c.x, c.grad->data())); },
                   c.repeat([adolc, c] { adolc->record_and_sweep(*c.x, c.grad->data()); }),
                   {},
                   "taped at every call"});
  tools.push_back({"adolc-reuse",
                   [adolc, c] { return c.check(adolc->replay(*c.x, c.grad->data())); },
                   c.repeat([adolc, c] { adolc->replay(*c.x, c.grad->data()); }),
                   {},
                   "taped once, replayed (zos_forward + fos_reverse)"});
  tools.push_back({"sacado",
                   [f, c] { return c.check(sacado_gradient(f, *c.x, c.grad->data())); },
                   c.repeat([f, c] { sacado_gradient(f, *c.x, c.grad->data()); }),
                   {},
                   "Sacado::Rad reverse mode"});
  tools.push_back(forward_gradient_tool<JetLanes<lanes>>("ceres-jet", f, c));
  tools.push_back(forward_gradient_tool<EigenLanes<lanes>>("eigen-autodiff", f, c));
  return tools;
}

#ifdef KINASE_BENCH_COMPILED
/// Kinase's compiled engine: f(x, data...) traced once (data constant), its gradient in x compiled by LLVM at
/// `level` (2: -O2; 1: -O1 with the fast code generator). The compile time reported is the trace, the passes and
/// the code generation of the primal and the gradient; the timed runs write into the case's gradient directly.
template <class F, class... Data>
Tool compiled_gradient_tool(const char* name, int level, F f, const GradientCase& c, const Data*... data) {
  using CF = kinase::Compiled<F, std::vector<double>, Data...>;
  struct State {
    std::shared_ptr<CF> cf;
    std::vector<const double*> in;
    std::vector<double*> out;
    double one = 1, primal = 0;
    kinase::ir::ProgramKey key;
  };
  auto state = std::make_shared<State>();
  auto gradient = [state, c] {
    state->out[1] = c.grad->data();  // the other tools assign *c.grad, which may move its storage
    state->cf->core().run(state->key, state->in, state->out);
  };
  Tool t;
  t.name = name;
  t.note = std::string("compiled: traced once, vjp compiled by LLVM -O") + std::to_string(level);
  t.check = [=] {
    kinase::CompileOptions options;
    options.backend = kinase::ir::llvm_backend(level);
    state->cf = std::make_shared<CF>(options, f, *c.x, *data...);
    state->key =
        kinase::ir::ProgramKey{kinase::ir::ProgramKey::Vjp, std::vector<char>(1 + sizeof...(Data), 0), 1, false};
    state->key.active[0] = 1;
    state->in = {c.x->data(), data->data()..., &state->one};
    state->out = {&state->primal, c.grad->data()};
    gradient();
    return c.check((*state->cf)(*c.x, *data...));
  };
  t.run = c.repeat(gradient);
  t.compile_ns = [state] { return 1e9 * state->cf->stats().total_seconds(); };
  return t;
}
#endif

}  // namespace kinase::suite
