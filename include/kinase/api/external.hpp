#pragma once
// External functions (design: "custom rules"): a computation Kinase does not see inside — a C library, a BLAS call,
// a solver — given by its primal and its derivative rules, and used by every engine:
//   forward lanes   the primal runs on the values, then the jvp once with every lane,
//   tape            the primal runs on the values and ONE tape entry is recorded; the sweep calls the vjp,
//   nested          each level calls the level below: a rule written as a template (auto parameters) works at any
//                   depth (forward over reverse, reverse over forward); a rule on double only, at first order.
//
// A rule receives spans. With n inputs, m outputs and L lanes (L = 1 on a scalar tape):
//   primal(x, y)                x: n values, y: m values to write
//   jvp(x, y, dx, dy)           dx: n·L tangents, lane-major (lane l is dx[l·n .. l·n+n)), dy: m·L to write
//   vjp(x, y, ybar, xbar)       ybar: m·L adjoints, lane-major, xbar: n·L to write (Kinase adds them to the inputs)
// Each may instead return a container of the values it would write (`primal(x)`, `jvp(x, y, dx)`,
// `vjp(x, y, ybar)`); its size is checked. Lane-major tangents are an n×L column-major matrix: a BLAS rule can
// treat every lane with one gemm.
#include <cstddef>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kinase/core/error.hpp"
#include "kinase/core/traits.hpp"
#include "kinase/forward/dual.hpp"
#include "kinase/ops/op.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {

/// The absent rule of an external function (the mode that needs it does not compile).
struct NoRule {};

/// An external function: a name (kept by reference: a string literal or a string that outlives the function's
/// tape entries), its primal, and its jvp and/or vjp. Made by `kinase::external(name, primal)` and extended with
/// `.with_jvp(jvp)` and `.with_vjp(vjp)`. It is copied into each tape entry, so what it captures by reference must
/// outlive the sweep.
template <class P, class J = NoRule, class V = NoRule>
struct ExternalFunction {
  std::string_view name;
  P primal;
  J jvp;
  V vjp;

  template <class J2>
  ExternalFunction<P, J2, V> with_jvp(J2 j) const {
    return {name, primal, std::move(j), vjp};
  }
  template <class V2>
  ExternalFunction<P, J, V2> with_vjp(V2 v) const {
    return {name, primal, jvp, std::move(v)};
  }
};

/// An external function from its primal: `kinase::external("gemv", primal).with_jvp(jvp).with_vjp(vjp)`.
template <class P>
ExternalFunction<P> external(std::string_view name, P primal) {
  return {name, std::move(primal), {}, {}};
}

namespace detail {

template <class T>
inline constexpr bool always_false = false;

template <class Fn>
[[noreturn]] void throw_rule_size(const Fn& fn, const char* rule, std::size_t got, std::size_t expected,
                                  const char* what) {
  throw Error("kinase::call: external function '" + std::string(fn.name) + "': its " + rule + " returned " +
              std::to_string(got) + " values, expected " + std::to_string(expected) + " (" + what + ")");
}

/// Calls one of the rule's functions in its span-writing form or its returning form (size checked).
template <class Fn, class R, class T, class... In>
void invoke_rule(const Fn& fn, const R& rule, const char* rule_name, const char* size_meaning, std::span<T> out,
                 const In&... in) {
  if constexpr (std::is_invocable_v<const R&, const In&..., std::span<T>>) {
    rule(in..., out);
  } else if constexpr (std::is_invocable_v<const R&, const In&...>) {
    const auto r = rule(in...);
    const std::size_t got = static_cast<std::size_t>(std::size(r));
    if (got != out.size()) throw_rule_size(fn, rule_name, got, out.size(), size_meaning);
    std::size_t k = 0;
    for (const auto& v : r) out[k++] = v;
  } else {
    static_assert(always_false<T>,
                  "kinase::call: an external function's rule cannot be called with spans of this scalar type; under "
                  "nested differentiation (a Dual inside a Real, a Real inside a Dual) the primal, jvp and vjp run on "
                  "the inner level's scalars, so write them as templates (auto parameters)");
  }
}

template <class Fn, class T>
void run_primal(const Fn& fn, std::span<const T> x, std::span<T> y) {
  invoke_rule(fn, fn.primal, "primal", "the outputs", y, x);
}

template <class Fn, class S>
void call_external(const Fn& fn, const std::vector<const S*>& x, const std::vector<S*>& y);

/// Pointers to the elements of a vector (the form call_external takes).
template <class T>
std::vector<const T*> const_pointers(const std::vector<T>& v) {
  std::vector<const T*> p(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = &v[i];
  return p;
}
template <class T>
std::vector<T*> pointers(std::vector<T>& v) {
  std::vector<T*> p(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) p[i] = &v[i];
  return p;
}

/// The tape entry of an external function: its inputs' values and indices, its outputs' values and indices.
template <class Fn, class T>
class ExternalEntry final : public TapeCallback<T> {
 public:
  ExternalEntry(const Fn& fn, std::vector<T> x, std::vector<T> y, std::vector<Index> inputs)
      : fn_(fn), x_(std::move(x)), y_(std::move(y)), inputs_(std::move(inputs)), outputs_(y_.size(), 0) {}
  std::vector<Index>& outputs() { return outputs_; }

  void reverse(T* adjoints, std::size_t lanes) override {
    const std::size_t n = x_.size(), m = y_.size();
    std::vector<T> ybar(m * lanes), xbar(n * lanes);
    bool any = false;
    for (std::size_t j = 0; j < m; ++j) {
      for (std::size_t l = 0; l < lanes; ++l) {
        T& a = adjoints[static_cast<std::size_t>(outputs_[j]) * lanes + l];
        ybar[l * m + j] = a;
        any = any || !ops::is_zero(a);
        a = T(0);
      }
    }
    if (!any) return;
    invoke_rule(fn_, fn_.vjp, "vjp", "inputs × lanes", std::span<T>(xbar), std::span<const T>(x_),
                std::span<const T>(y_), std::span<const T>(ybar));
    for (std::size_t i = 0; i < n; ++i) {
      if (inputs_[i] == 0) continue;
      for (std::size_t l = 0; l < lanes; ++l)
        adjoints[static_cast<std::size_t>(inputs_[i]) * lanes + l] += xbar[l * n + i];
    }
  }
  std::size_t bytes() const override {
    return (x_.size() + y_.size()) * sizeof(T) + (inputs_.size() + outputs_.size()) * sizeof(Index) + sizeof(*this);
  }

 private:
  Fn fn_;
  std::vector<T> x_, y_;
  std::vector<Index> inputs_, outputs_;
};

template <class Fn, class S>
void call_external(const Fn& fn, const std::vector<const S*>& x, const std::vector<S*>& y) {
  const std::size_t n = x.size(), m = y.size();
  if constexpr (std::is_arithmetic_v<S>) {
    std::vector<S> xv(n), yv(m);
    for (std::size_t i = 0; i < n; ++i) xv[i] = *x[i];
    run_primal(fn, std::span<const S>(xv), std::span<S>(yv));
    for (std::size_t j = 0; j < m; ++j) *y[j] = yv[j];
  } else if constexpr (is_dual_v<S>) {
    static_assert(!std::is_same_v<decltype(fn.jvp), NoRule>,
                  "kinase::call: forward mode through an external function needs its jvp: "
                  "kinase::external(name, primal).with_jvp(jvp)");
    using T = typename S::value_type;
    constexpr std::size_t L = static_cast<std::size_t>(S::lanes);
    std::vector<T> xv(n), yv(m), dx(n * L), dy(m * L);
    for (std::size_t i = 0; i < n; ++i) {
      xv[i] = x[i]->primal;
      for (std::size_t l = 0; l < L; ++l) dx[l * n + i] = x[i]->tangent[l];
    }
    call_external(fn, const_pointers(xv), pointers(yv));  // the level below (a tape entry when T is a Real)
    invoke_rule(fn, fn.jvp, "jvp", "outputs × lanes", std::span<T>(dy), std::span<const T>(xv), std::span<const T>(yv),
                std::span<const T>(dx));
    for (std::size_t j = 0; j < m; ++j) {
      y[j]->primal = std::move(yv[j]);
      for (std::size_t l = 0; l < L; ++l) y[j]->tangent[l] = std::move(dy[l * m + j]);
    }
  } else if constexpr (is_real_v<S>) {
    static_assert(!std::is_same_v<decltype(fn.vjp), NoRule>,
                  "kinase::call: reverse mode through an external function needs its vjp: "
                  "kinase::external(name, primal).with_vjp(vjp)");
    using T = typename S::value_type;
    std::vector<T> xv(n), yv(m);
    std::vector<Index> inputs(n);
    Tape<T>* tape = current_tape<T>;
    bool active = false;
    for (std::size_t i = 0; i < n; ++i) {
      xv[i] = x[i]->primal;
      const Index ix = x[i]->index();
      if (ix != 0 && tape != nullptr) {
        if (!tape->owns(ix, x[i]->stamp())) throw_invalid_variable();
        inputs[i] = ix;
        active = true;
      }
    }
    call_external(fn, const_pointers(xv), pointers(yv));
    if (!active) {
      for (std::size_t j = 0; j < m; ++j) *y[j] = S(yv[j]);
      return;
    }
    auto entry = std::make_unique<ExternalEntry<Fn, T>>(fn, std::move(xv), std::vector<T>(yv), std::move(inputs));
    for (std::size_t j = 0; j < m; ++j) {
      tape->assign_output(*y[j]);
      y[j]->primal = yv[j];
      entry->outputs()[j] = y[j]->index();
    }
    tape->push_callback(std::move(entry));
  } else {
    static_assert(always_false<S>, "kinase::call: the arguments must hold doubles, Duals or Reals");
  }
}

/// Anything with contiguous elements: std::vector, std::array, std::span, a plain Eigen object.
template <class X>
concept ContiguousValues = requires(X& x) {
  x.data();
  x.size();
};

}  // namespace detail

/// Calls an external function on x, writing y (y's size is the number of outputs). x and y are contiguous
/// containers (std::vector, std::array, std::span, plain Eigen objects) of one scalar type: double, a Dual, a Real,
/// or a nest of them.
template <class Fn, detail::ContiguousValues X, detail::ContiguousValues Y>
void call(const Fn& fn, const X& x, Y&& y) {
  using S = std::remove_cvref_t<decltype(*x.data())>;
  static_assert(std::is_same_v<S, std::remove_cvref_t<decltype(*y.data())>>,
                "kinase::call: x and y must hold the same scalar type");
  const std::size_t n = static_cast<std::size_t>(x.size()), m = static_cast<std::size_t>(y.size());
  std::vector<const S*> xs(n);
  std::vector<S*> ys(m);
  for (std::size_t i = 0; i < n; ++i) xs[i] = x.data() + i;
  for (std::size_t j = 0; j < m; ++j) ys[j] = y.data() + j;
  detail::call_external(fn, xs, ys);
}

/// Calls an external function with `outputs` results, returned as a vector.
template <class Fn, detail::ContiguousValues X>
auto call(const Fn& fn, const X& x, std::size_t outputs) {
  using S = std::remove_cvref_t<decltype(*x.data())>;
  std::vector<S> y(outputs);
  call(fn, x, y);
  return y;
}

}  // namespace kinase
