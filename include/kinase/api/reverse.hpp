#pragma once
// autodiff, gradient, gradient_into and jacobian in Reverse and ReverseWithPrimal modes, on the tape engine.
// The function is recorded once on a tape (reused across calls on a thread, so its blocks stay allocated), the
// result's adjoint is seeded, and one sweep backwards gives every input's derivative.
#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kinase/api/activity.hpp"
#include "kinase/api/chunk.hpp"
#include "kinase/api/chunk_output.hpp"
#include "kinase/api/containers.hpp"
#include "kinase/api/forward.hpp"
#include "kinase/api/gradient.hpp"
#include "kinase/api/modes.hpp"
#include "kinase/api/results.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/matrix.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {

/// Sets a shadow (a number or a container of numbers) to zero, before accumulating a new reverse-mode derivative.
template <class X>
void make_zero(X& x) {
  if constexpr (Container<X>) {
    const std::size_t n = detail::container_size(x);
    for (std::size_t i = 0; i < n; ++i) detail::element_at(x, i) = 0;
  } else {
    x = 0;
  }
}

namespace detail {

/// What the API records with: a tape and a buffer of input variables, one per nesting level and thread, reused
/// across calls so that their memory stays mapped (touching fresh pages costs more than the arithmetic: design §7).
/// A caching detail, not a current tape. Every API call leaves the adjoint vector zero (the sweep clears each
/// left-hand side, the call clears what it reads), so the next call need not clear it.
template <class S>
struct Workspace {
  Tape<S> tape;
  std::vector<Real<S>> inputs;
};

template <class S>
class TapeLease {
 public:
  TapeLease() {
    if (in_use_ == pool_.size()) pool_.push_back(std::make_unique<Workspace<S>>());
    workspace_ = pool_[in_use_++].get();
    workspace_->tape.reset(/*clear_adjoints=*/false);
  }
  ~TapeLease() { --in_use_; }
  TapeLease(const TapeLease&) = delete;
  TapeLease& operator=(const TapeLease&) = delete;
  Tape<S>& tape() { return workspace_->tape; }
  std::vector<Real<S>>& inputs() { return workspace_->inputs; }

 private:
  static inline thread_local std::vector<std::unique_ptr<Workspace<S>>> pool_;
  static inline thread_local std::size_t in_use_ = 0;
  Workspace<S>* workspace_;
};

/// Reads an adjoint and clears it (the API's promise that the adjoint vector is left zero).
template <class S>
S take_adjoint(Tape<S>& tape, Index i) {
  S& a = tape.adjoint(i);
  const S value = a;
  a = S(0);
  return value;
}

/// A function result as a Real: an expression is recorded, a Real kept, a plain number made passive.
template <class S, class R>
Real<S> to_real(R&& r) {
  using V = std::remove_cvref_t<R>;
  if constexpr (is_real_v<V> || is_expr_v<V>) {
    return Real<S>(std::forward<R>(r));
  } else {
    static_assert(std::is_arithmetic_v<V>,
                  "kinase: the function returns a type Kinase cannot read derivatives from; return the active scalar, "
                  "an expression of it, or a number (a vector-valued function needs jacobian)");
    return Real<S>(static_cast<S>(r));
  }
}

/// The reverse-mode compile-time checks of one argument; the sentences are the errors a user sees.
template <class A>
constexpr void check_reverse_argument() {
  if constexpr (info<A>::is_activity) {
    static_assert(!info<A>::is_return,
                  "kinase::autodiff: an argument's activity needs its value, e.g. Active(x); Active{} without a "
                  "value is only for the return activity");
    static_assert(!info<A>::batch,
                  "kinase::autodiff: BatchDuplicated is for forward mode; for several reverse seeds use "
                  "kinase::jacobian(Reverse, f, x, chunk<K>)");
    if constexpr (info<A>::active) {
      using V = std::remove_cvref_t<decltype(std::declval<std::remove_cvref_t<A>&>().value)>;
      static_assert(!LooksLikeEigen<V> || Container<V>,
                    "kinase::autodiff: an Eigen argument must be a plain Eigen::Matrix or Eigen::Array (not a Map, "
                    "Ref, Block or expression), and needs #include <kinase/eigen.hpp>");
      static_assert(std::is_floating_point_v<element_t<V>>,
                    "kinase::autodiff: an active argument (Active, Duplicated) must hold floating-point values: a "
                    "float, double or long double, or a std::vector, std::array, std::span or Eigen object of them");
      if constexpr (is_active_activity<std::remove_cvref_t<A>>)
        static_assert(!Container<V>,
                      "kinase::autodiff: Active(x) is for scalars; pass a container as Duplicated(x, dx), its "
                      "derivative is added into dx");
      else
        static_assert(Container<V>,
                      "kinase::autodiff: in reverse mode a scalar argument is Active(x) (its derivative is "
                      "returned); Duplicated(x, dx) is for containers");
    }
  }
}

/// One argument as the recorded function receives it.
template <class S, class A>
struct ReverseArgument;

template <class S, class A>
requires(!is_active_arg<A>) struct ReverseArgument<S, A> {
  A& activity;
  ReverseArgument(A& a, Tape<S>&, std::size_t) : activity(a) {}
  decltype(auto) pass() {
    if constexpr (info<A>::is_activity)
      return (activity.value);
    else
      return (activity);
  }
  void check_size() const {}
  void seed(Tape<S>&) {}
  void collect(Tape<S>&) {}
  void collect_shadow(Tape<S>&) {}
  void write_back() {}
};

// Active(x): a registered input; its derivative is read after the sweep.
template <class S, class A>
requires is_active_arg<A> && is_active_activity<std::remove_cvref_t<A>>
struct ReverseArgument<S, A> {
  Real<S> var;
  Index input;
  S derivative{};
  ReverseArgument(A& a, Tape<S>& tape, std::size_t) : var(static_cast<S>(a.value)) {
    tape.register_input(var);
    input = var.index();
  }
  Real<S>& pass() { return var; }
  void check_size() const {}
  void seed(Tape<S>&) {}
  void collect(Tape<S>& tape) { derivative = take_adjoint(tape, input); }
  void write_back() {}
};

// Duplicated(x, dx) with a container: every element a registered input. The incoming shadow seeds the adjoint of
// the final value of each element; afterwards the shadow holds the adjoint of the initial value (Enzyme's rule: for
// an element the function does not overwrite, that is the shadow plus the derivative: accumulation).
template <class S, class A>
requires is_active_arg<A> &&(!is_active_activity<std::remove_cvref_t<A>>)struct ReverseArgument<S, A> {
  using V = std::remove_cvref_t<decltype(std::declval<A&>().value)>;
  using Tr = container_traits<V>;
  A& activity;
  typename Tr::template rebind<Real<S>> vars;
  std::vector<Index> inputs;
  std::size_t position;

  ReverseArgument(A& a, Tape<S>& tape, std::size_t p)
      : activity(a), vars(Tr::template make_like<Real<S>>(a.value)), position(p) {
    check_shadow_size(a.value, a.shadow, p, info<A>::name, "the shadow");
    const std::size_t n = container_size(a.value);
    inputs.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Real<S>& v = element_at(vars, i);
      v = static_cast<S>(element_at(a.value, i));
      tape.register_input(v);
      inputs[i] = v.index();
    }
  }
  decltype(auto) pass() { return Tr::pass(vars); }
  /// The function may change the elements, not the size: the shadow must mirror the container.
  void check_size() const { check_unchanged_size(container_size(vars), inputs.size(), position, info<A>::name); }
  void seed(Tape<S>& tape) {
    const std::size_t n = inputs.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Index final_index = element_at(vars, i).index();
      if (final_index != 0) tape.adjoint(final_index) += static_cast<S>(element_at(activity.shadow, i));
    }
  }
  void collect(Tape<S>& tape) {
    collect_shadow(tape);
    write_back();
  }
  /// The shadow gets the adjoints of the initial values (each read and cleared).
  void collect_shadow(Tape<S>& tape) {
    const std::size_t n = inputs.size();
    for (std::size_t i = 0; i < n; ++i) {
      using Target = std::remove_reference_t<decltype(element_at(activity.shadow, i))>;
      if constexpr (!std::is_const_v<Target>)
        element_at(activity.shadow, i) = static_cast<Target>(take_adjoint(tape, inputs[i]));
      else
        take_adjoint(tape, inputs[i]);  // still cleared: the adjoint vector is left zero
    }
  }
  /// The container gets the final values the function wrote (unless its primal is not needed, or const).
  void write_back() {
    const std::size_t n = inputs.size();
    for (std::size_t i = 0; i < n; ++i) {
      using Primal = std::remove_reference_t<decltype(element_at(activity.value, i))>;
      if constexpr (!info<A>::no_need && !std::is_const_v<Primal>)
        element_at(activity.value, i) = static_cast<Primal>(element_at(vars, i).primal);
    }
  }
};

template <class Mode, class Ret, class F, class... A, std::size_t... I>
auto reverse_autodiff(F& f, std::index_sequence<I...>, A&... args) {
  using S = typename common_scalar<void, typename active_scalar<A>::type...>::type;
  TapeLease<S> lease;
  Tape<S>& tape = lease.tape();
  Real<S> out;
  std::tuple<ReverseArgument<S, A>...> prepared = [&] {
    Recording<S> recording(tape);
    return std::tuple<ReverseArgument<S, A>...>{ReverseArgument<S, A>(args, tape, I + 1)...};
  }();
  using R = std::remove_cvref_t<decltype(f(std::get<I>(prepared).pass()...))>;
  {
    Recording<S> recording(tape);
    if constexpr (std::is_void_v<R>) {
      static_assert(std::is_same_v<Ret, Const<void>>,
                    "kinase::autodiff: the function returns nothing, so the return activity must be Const{}; the "
                    "derivatives come from the shadows of its Duplicated arguments");
      f(std::get<I>(prepared).pass()...);
    } else {
      static_assert(!Container<R> || std::is_same_v<Ret, Const<void>>,
                    "kinase::autodiff: an Active return needs a scalar result; for a vector-valued function use "
                    "kinase::jacobian(Reverse, ...)");
      if constexpr (Container<R>)
        f(std::get<I>(prepared).pass()...);
      else
        out = to_real<S>(f(std::get<I>(prepared).pass()...));
    }
  }
  (std::get<I>(prepared).check_size(), ...);
  if constexpr (is_active_activity<Ret>)
    if (out.index() != 0) tape.adjoint(out.index()) += S(1);
  (std::get<I>(prepared).seed(tape), ...);
  tape.evaluate();
  (std::get<I>(prepared).collect(tape), ...);

  constexpr std::size_t K = (std::size_t(is_active_activity<std::remove_cvref_t<A>>) + ... + 0);
  std::array<S, K> derivatives{};
  std::size_t k = 0;
  (
      [&] {
        if constexpr (is_active_activity<std::remove_cvref_t<A>>) derivatives[k++] = std::get<I>(prepared).derivative;
      }(),
      ...);
  if constexpr (Mode::with_primal)
    return DerivativesAndPrimal<std::array<S, K>, S>{derivatives, out.primal};
  else
    return DerivativesOf<std::array<S, K>>{derivatives};
}

template <class S, class X>
struct RecordedInputs {
  typename container_traits<X>::template rebind<Real<S>> vars;
  std::vector<Index> inputs;
};

/// Registers a Real for every element of x on `tape` (recording).
template <class S, class X>
RecordedInputs<S, X> record_inputs(Tape<S>& tape, const X& x) {
  using Tr = container_traits<X>;
  RecordedInputs<S, X> r{Tr::template make_like<Real<S>>(x), {}};
  const std::size_t n = Tr::size(x);
  r.inputs.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Real<S>& v = element_at(r.vars, i);
    v = static_cast<S>(element_at(x, i));
    tape.register_input(v);
    r.inputs[i] = v.index();
  }
  return r;
}

/// Records f at x and sweeps once; writes ∇f into `grad` (x's size) and returns f(x). The input variables live in the
/// workspace when the function takes a vector or span (no allocation per call), registered first, so that input i
/// has index i + 1 on the freshly reset tape.
template <class F, class X, class G>
typename container_traits<X>::element reverse_gradient_into(F& f, const X& x, G& grad) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  using Vars = typename Tr::template rebind<Real<S>>;
  TapeLease<S> lease;
  Tape<S>& tape = lease.tape();
  const std::size_t n = Tr::size(x);
  Real<S> out;
  auto run = [&](Vars& vars) {
    {
      Recording<S> recording(tape);
      for (std::size_t i = 0; i < n; ++i) {
        Real<S>& v = element_at(vars, i);
        v = static_cast<S>(element_at(x, i));
        tape.register_input(v);
      }
      using R = std::remove_cvref_t<decltype(f(Tr::pass(vars)))>;
      static_assert(!Container<R>,
                    "kinase::gradient: the function must return a scalar; use kinase::jacobian for a vector-valued "
                    "function");
      out = to_real<S>(f(Tr::pass(vars)));
    }
    if (out.index() != 0) tape.adjoint(out.index()) = S(1);
    tape.evaluate();
    for (std::size_t i = 0; i < n; ++i) element_at(grad, i) = take_adjoint(tape, static_cast<Index>(i + 1));
  };
  if constexpr (std::is_same_v<Vars, std::vector<Real<S>>>) {
    lease.inputs().resize(n);
    run(lease.inputs());
  } else {
    Vars vars = Tr::template make_like<Real<S>>(x);
    run(vars);
  }
  return out.primal;
}

template <class Mode, class F, class X>
auto reverse_gradient(F& f, const X& x) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  auto grad = Tr::template make_like<S>(x);
  const S primal = reverse_gradient_into(f, x, grad);
  if constexpr (Mode::with_primal)
    return PrimalAndDerivative<S, decltype(grad)>{primal, std::move(grad)};
  else
    return grad;
}

template <std::size_t K, class S>
void reverse_jacobian_sweeps(Tape<S>& tape, const std::vector<Index>& outputs, const std::vector<Index>& inputs,
                             Matrix<S>& jac) {
  std::vector<std::array<S, K>> adjoints;
  for (std::size_t start = 0; start < outputs.size(); start += K) {
    adjoints.assign(adjoints.size(), std::array<S, K>{});
    adjoints.resize(static_cast<std::size_t>(tape.stats().largest_index) + 1);
    for (std::size_t l = 0; l < K && start + l < outputs.size(); ++l)
      if (outputs[start + l] != 0) adjoints[static_cast<std::size_t>(outputs[start + l])][l] += S(1);
    tape.evaluate(adjoints);
    for (std::size_t l = 0; l < K && start + l < outputs.size(); ++l)
      for (std::size_t j = 0; j < inputs.size(); ++j)
        jac(start + l, j) = adjoints[static_cast<std::size_t>(inputs[j])][l];
  }
}

template <class Mode, std::size_t M, std::size_t K, class F, class X>
auto reverse_jacobian(F& f, const X& x) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  TapeLease<S> lease;
  Tape<S>& tape = lease.tape();
  RecordedInputs<S, X> in;
  std::vector<Real<S>> outs;
  {
    Recording<S> recording(tape);
    in = record_inputs<S>(tape, x);
    auto r = f(Tr::pass(in.vars));
    using R = std::remove_cvref_t<decltype(r)>;
    if constexpr (Container<R>) {
      const std::size_t m = container_size(r);
      outs.reserve(m);
      for (std::size_t i = 0; i < m; ++i) outs.push_back(to_real<S>(element_at(r, i)));
    } else {
      outs.push_back(to_real<S>(std::move(r)));
    }
  }
  if (M != 0 && outs.size() != M)
    throw Error("kinase::jacobian: output_size<" + std::to_string(M) + "> was given but the function returned " +
                std::to_string(outs.size()) + " values");
  std::vector<Index> out_indices(outs.size());
  std::vector<S> primal(outs.size());
  for (std::size_t i = 0; i < outs.size(); ++i) out_indices[i] = outs[i].index(), primal[i] = outs[i].primal;
  Matrix<S> jac(outs.size(), in.inputs.size());
  if constexpr (K != 0)
    reverse_jacobian_sweeps<K>(tape, out_indices, in.inputs, jac);
  else
    with_auto_chunk(outs.size(),
                    [&]<std::size_t L>() { reverse_jacobian_sweeps<L>(tape, out_indices, in.inputs, jac); });
  if constexpr (Mode::with_primal)
    return PrimalAndDerivative<std::vector<S>, Matrix<S>>{std::move(primal), std::move(jac)};
  else
    return jac;
}

template <class... Options>
struct jacobian_options {
  static constexpr std::size_t outputs = 0;
  static constexpr std::size_t chunk = 0;
};
template <std::size_t M, class... Rest>
struct jacobian_options<OutputSize<M>, Rest...> : jacobian_options<Rest...> {
  static constexpr std::size_t outputs = M;
};
template <std::size_t K, class... Rest>
struct jacobian_options<Chunk<K>, Rest...> : jacobian_options<Rest...> {
  static constexpr std::size_t chunk = K;
};

}  // namespace detail

/// Reverse-mode autodiff: `autodiff(Reverse, f, Active{}, Active(1.0), Active(2.0))`. Returns the derivatives of
/// the Active arguments in order (`.derivatives`), and with ReverseWithPrimal also `.primal`. Duplicated containers
/// receive their derivatives in their shadows, added to what the shadows held (call make_zero first to start over).
template <ReverseModeTag Mode, class F, class Ret, class... Args>
auto autodiff(Mode, F&& f, Ret, Args&&... args) {
  using R = std::remove_cvref_t<Ret>;
  static_assert(std::is_same_v<R, Active<void>> || std::is_same_v<R, Const<void>>,
                "kinase::autodiff: in reverse mode the return activity is Active{} (its adjoint is seeded with 1) or "
                "Const{}");
  (detail::check_reverse_argument<std::remove_cvref_t<Args>>(), ...);
  return detail::reverse_autodiff<std::remove_cvref_t<Mode>, R>(f, std::index_sequence_for<Args...>{}, args...);
}

/// The gradient of a scalar function of a container, by one reverse sweep: a container of the input's shape
/// (Reverse) or {primal, derivative} (ReverseWithPrimal).
template <ReverseModeTag Mode, class F, class X>
auto gradient(Mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::reverse_gradient<std::remove_cvref_t<Mode>>(f, x);
}
template <ReverseModeTag Mode, class F, class T>
auto gradient(Mode mode, F&& f, std::initializer_list<T> x) {
  return gradient(mode, f, std::vector<T>(x));
}

/// Writes the gradient of f at x into dx (Enzyme's gradient!): dx must have x's size.
template <ReverseModeTag Mode, class D, class F, class X>
void gradient_into(Mode mode, D& dx, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  const auto g = gradient(ReverseMode{}, f, x);
  (void)mode;
  const std::size_t n = detail::container_size(g);
  if (detail::container_size(dx) != n)
    throw Error("kinase::gradient_into: dx has " + std::to_string(detail::container_size(dx)) + " elements but x has " +
                std::to_string(n));
  for (std::size_t i = 0; i < n; ++i) detail::element_at(dx, i) = detail::element_at(g, i);
}
template <ReverseModeTag Mode, class D, class F, class T>
auto gradient_into(Mode mode, D& dx, F&& f, std::initializer_list<T> x) {
  return gradient_into(mode, dx, f, std::vector<T>(x));
}

/// The Jacobian by reverse mode: the function is recorded once, then swept backwards with K output seeds per sweep
/// (chunk<K>; by default 1, 2, 4 or 8 from the output count). output_size<M> states the output count (checked).
template <ReverseModeTag Mode, class F, class X, class... Options>
auto jacobian(Mode, F&& f, const X& x, Options...) {
  detail::check_sweep_input<X>();
  using O = detail::jacobian_options<Options...>;
  return detail::reverse_jacobian<std::remove_cvref_t<Mode>, O::outputs, O::chunk>(f, x);
}
template <ReverseModeTag Mode, class F, class T, class... Options>
auto jacobian(Mode mode, F&& f, std::initializer_list<T> x, Options... options) {
  return jacobian(mode, f, std::vector<T>(x), options...);
}

}  // namespace kinase
