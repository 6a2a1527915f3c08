#pragma once
// Derivatives built from the two engines: derivative (scalar → scalar), value_and_gradient, jvp and vjp for vector
// functions, and second order: hvp (forward over reverse: the tape over Dual<S, 1>, one recording and one sweep
// give ∇f and H·v), hvp_into, hvp_and_gradient_into, and the dense hessian (the tape over Dual<S, K>, ⌈n/K⌉
// recordings, K columns each).
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kinase/api/activity.hpp"
#include "kinase/api/chunk.hpp"
#include "kinase/api/containers.hpp"
#include "kinase/api/forward.hpp"
#include "kinase/api/gradient.hpp"
#include "kinase/api/modes.hpp"
#include "kinase/api/results.hpp"
#include "kinase/api/reverse.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/matrix.hpp"
#include "kinase/forward/dual.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {
namespace detail {

template <class X, class V>
void check_same_size(const X& x, const V& v, const char* function, const char* name) {
  static_assert(Container<V>, "kinase: the direction must be a container of the input's size");
  if (container_size(v) != container_size(x))
    throw Error(std::string("kinase::") + function + ": " + name + " has " + std::to_string(container_size(v)) +
                " elements but x has " + std::to_string(container_size(x)));
}

/// Records f on a tape over Dual<S, K> with input i seeded by seed(i) (its K tangents), seeds the result's adjoint
/// with 1 and sweeps; then calls read(i, adjoint of input i) for every input.
template <std::size_t K, class F, class X, class Seed, class Read>
void forward_over_reverse(F& f, const X& x, Seed&& seed, Read&& read) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  using D = Dual<S, static_cast<int>(K)>;
  TapeLease<D> lease;
  Tape<D>& tape = lease.tape();
  const std::size_t n = Tr::size(x);
  auto vars = Tr::template make_like<Real<D>>(x);
  Real<D> out;
  {
    Recording<D> recording(tape);
    for (std::size_t i = 0; i < n; ++i) {
      Real<D>& v = element_at(vars, i);
      D d(static_cast<S>(element_at(x, i)));
      seed(i, d.tangent);
      v = d;
      tape.register_input(v);
    }
    using R = std::remove_cvref_t<decltype(f(Tr::pass(vars)))>;
    static_assert(!Container<R>, "kinase: hvp and hessian need a scalar function; use jacobian for a vector one");
    out = to_real<D>(f(Tr::pass(vars)));
  }
  if (out.index() != 0) tape.adjoint(out.index()) = D(S(1));
  tape.evaluate();
  for (std::size_t i = 0; i < n; ++i) read(i, take_adjoint(tape, static_cast<Index>(i + 1)));
  if (out.index() != 0) take_adjoint(tape, out.index());
}

}  // namespace detail

/// f'(x) for a scalar function of a scalar, by forward mode.
template <class F, class X>
requires(!Container<X>) auto derivative(F&& f, const X& x) {
  static_assert(DifferentiableScalar<X>, "kinase::derivative: x must be a floating-point number (or a Dual)");
  return autodiff(Forward, f, DuplicatedNoNeed{}, Duplicated(x, X(1))).derivative;
}

/// {f(x), ∇f(x)} by one reverse sweep.
template <class F, class X>
auto value_and_gradient(F&& f, const X& x) {
  return gradient(ReverseWithPrimal, f, x);
}
template <class F, class T>
auto value_and_gradient(F&& f, std::initializer_list<T> x) {
  return gradient(ReverseWithPrimal, f, std::vector<T>(x));
}

/// J·v, the Jacobian of f at x applied to v, by one forward evaluation (a container of f's output shape, or a
/// number for a scalar f).
template <class F, class X, class V>
auto jvp(F&& f, const X& x, const V& v) {
  detail::check_sweep_input<X>();
  detail::check_same_size(x, v, "jvp", "v");
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  auto xs = Tr::template make_like<S>(x);
  auto vs = Tr::template make_like<S>(x);
  for (std::size_t i = 0; i < Tr::size(x); ++i) {
    detail::element_at(xs, i) = detail::element_at(x, i);
    detail::element_at(vs, i) = static_cast<S>(detail::element_at(v, i));
  }
  return autodiff(Forward, f, DuplicatedNoNeed{}, Duplicated(std::move(xs), std::move(vs))).derivative;
}

/// Jᵀ·u, the transposed Jacobian of f at x applied to u (u has f's output size), by one recording and one sweep;
/// a container of x's shape.
template <class F, class X, class U>
auto vjp(F&& f, const X& x, const U& u) {
  detail::check_sweep_input<X>();
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  detail::TapeLease<S> lease;
  Tape<S>& tape = lease.tape();
  detail::RecordedInputs<S, X> in;
  std::vector<Real<S>> outs;
  {
    Recording<S> recording(tape);
    in = detail::record_inputs<S>(tape, x);
    auto r = f(Tr::pass(in.vars));
    using R = std::remove_cvref_t<decltype(r)>;
    if constexpr (Container<R>) {
      for (std::size_t i = 0; i < detail::container_size(r); ++i)
        outs.push_back(detail::to_real<S>(detail::element_at(r, i)));
    } else {
      outs.push_back(detail::to_real<S>(std::move(r)));
    }
  }
  std::size_t m = 1;
  if constexpr (Container<U>) m = detail::container_size(u);
  if (m != outs.size())
    throw Error("kinase::vjp: u has " + std::to_string(m) + " elements but the function returned " +
                std::to_string(outs.size()));
  for (std::size_t i = 0; i < m; ++i) {
    S ui;
    if constexpr (Container<U>)
      ui = static_cast<S>(detail::element_at(u, i));
    else
      ui = static_cast<S>(u);
    if (outs[i].index() != 0) tape.adjoint(outs[i].index()) += ui;
  }
  tape.evaluate();
  auto result = Tr::template make_like<S>(x);
  for (std::size_t i = 0; i < in.inputs.size(); ++i)
    detail::element_at(result, i) = detail::take_adjoint(tape, in.inputs[i]);
  for (const Real<S>& o : outs)
    if (o.index() != 0) detail::take_adjoint(tape, o.index());  // an output that is an input keeps no seed
  return result;
}

/// H·v, the Hessian of a scalar f at x applied to v, by forward over reverse: one recording on a tape over
/// Dual<S, 1> and one sweep (a container of x's shape).
template <class F, class X, class V>
auto hvp(F&& f, const X& x, const V& v) {
  detail::check_sweep_input<X>();
  detail::check_same_size(x, v, "hvp", "v");
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  auto res = Tr::template make_like<S>(x);
  detail::forward_over_reverse<1>(
      f, x, [&](std::size_t i, auto& t) { t[0] = static_cast<S>(detail::element_at(v, i)); },
      [&](std::size_t i, const auto& a) { detail::element_at(res, i) = a.tangent[0]; });
  return res;
}
template <class F, class T>
auto hvp(F&& f, std::initializer_list<T> x, std::initializer_list<T> v) {
  return hvp(f, std::vector<T>(x), std::vector<T>(v));
}

/// Writes H·v into res and ∇f into grad (both of x's size; grad may be nullptr) from the same sweep.
template <class Res, class Grad, class F, class X, class V>
void hvp_and_gradient_into(Res& res, Grad&& grad, F&& f, const X& x, const V& v) {
  detail::check_sweep_input<X>();
  detail::check_same_size(x, v, "hvp_and_gradient_into", "v");
  detail::check_same_size(x, res, "hvp_and_gradient_into", "res");
  constexpr bool with_gradient = !std::is_same_v<std::remove_cvref_t<Grad>, std::nullptr_t>;
  if constexpr (with_gradient) detail::check_same_size(x, grad, "hvp_and_gradient_into", "grad");
  using S = typename container_traits<X>::element;
  detail::forward_over_reverse<1>(
      f, x, [&](std::size_t i, auto& t) { t[0] = static_cast<S>(detail::element_at(v, i)); },
      [&](std::size_t i, const auto& a) {
        detail::element_at(res, i) = a.tangent[0];
        if constexpr (with_gradient) detail::element_at(grad, i) = a.primal;
      });
}

/// Writes H·v into res (x's size).
template <class Res, class F, class X, class V>
void hvp_into(Res& res, F&& f, const X& x, const V& v) {
  hvp_and_gradient_into(res, nullptr, f, x, v);
}

namespace detail {
template <std::size_t K, class F, class X>
Matrix<typename container_traits<X>::element> dense_hessian(F& f, const X& x) {
  using S = typename container_traits<X>::element;
  const std::size_t n = container_size(x);
  Matrix<S> h(n, n);
  for (std::size_t start = 0; start < n; start += K) {
    forward_over_reverse<K>(
        f, x,
        [&](std::size_t i, auto& t) {
          for (std::size_t l = 0; l < K; ++l) t[l] = (i == start + l) ? S(1) : S(0);
        },
        [&](std::size_t i, const auto& a) {
          for (std::size_t l = 0; l < K && start + l < n; ++l) h(i, start + l) = a.tangent[l];
        });
  }
  // H is symmetric; the two halves differ by rounding only. Their mean is returned, exactly symmetric.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) h(i, j) = h(j, i) = (h(i, j) + h(j, i)) / S(2);
  return h;
}
}  // namespace detail

/// The dense Hessian of a scalar f at x by forward over reverse, K columns per recording (chunk<K>; by default 1,
/// 2, 4 or 8 from n). Returns kinase::Matrix, exactly symmetric.
template <class F, class X, std::size_t K>
auto hessian(F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  return detail::dense_hessian<K>(f, x);
}
template <class F, class X>
auto hessian(F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x),
                                 [&]<std::size_t K>() { return detail::dense_hessian<K>(f, x); });
}
template <class F, class T, class... Options>
auto hessian(F&& f, std::initializer_list<T> x, Options... options) {
  return hessian(f, std::vector<T>(x), options...);
}

}  // namespace kinase
