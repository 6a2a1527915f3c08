#pragma once
// gradient and jacobian by forward mode: the input's n directions are swept K at a time (K = the chunk size, the
// lanes of the Dual), so a gradient or a Jacobian costs ⌈n/K⌉ evaluations of the function on Dual<S, K>.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "kinase/api/chunk.hpp"
#include "kinase/api/containers.hpp"
#include "kinase/api/detail_values.hpp"
#include "kinase/api/modes.hpp"
#include "kinase/api/results.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/matrix.hpp"
#include "kinase/forward/dual.hpp"

namespace kinase {
namespace detail {

template <class X>
constexpr void check_sweep_input() {
  static_assert(!LooksLikeEigen<X> || Container<X>,
                "kinase: an Eigen argument must be a plain Eigen::Matrix or Eigen::Array (not a Map, Ref, Block or "
                "expression), and needs #include <kinase/eigen.hpp>");
  static_assert(Container<X>,
                "kinase::gradient / kinase::jacobian: the input must be a container of numbers (std::vector, "
                "std::array, std::span, an Eigen vector, or a braced list such as {1.0, 2.0})");
  static_assert(DifferentiableScalar<element_t<X>>,
                "kinase::gradient / kinase::jacobian: the input's elements must be floating-point numbers");
}

/// Runs f on Duals seeded with directions start .. start+K−1 (the unit vectors); returns the result.
template <std::size_t K, class F, class X, class Storage>
decltype(auto) sweep(F& f, const X& x, Storage& duals, std::size_t start) {
  using Tr = container_traits<X>;
  const std::size_t n = Tr::size(x);
  for (std::size_t i = 0; i < n; ++i) {
    auto& d = element_at(duals, i);
    d = element_at(x, i);  // primal, zero tangents (the function may have overwritten its argument)
    if (i >= start && i < start + K) d.tangent[i - start] = 1;
  }
  return f(Tr::pass(duals));
}

template <std::size_t K, class Mode, class F, class X>
auto forward_gradient(F& f, const X& x) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  struct CallTag {};  // this call's Duals are its own (see Dual's Tag)
  using D = Dual<S, static_cast<int>(K), CallTag>;
  const std::size_t n = Tr::size(x);
  auto duals = Tr::template make_like<D>(x);
  auto grad = Tr::template make_like<S>(x);
  S primal{};
  std::size_t start = 0;
  do {  // at least one sweep, so that the primal is known for n = 0
    const auto r = sweep<K>(f, x, duals, start);
    using R = std::remove_cvref_t<decltype(r)>;
    static_assert(!Container<R>,
                  "kinase::gradient: the function must return a scalar; use kinase::jacobian for a vector-valued "
                  "function");
    check_result_type<D, R>();
    primal = scalar_primal<D>(r);
    for (std::size_t l = 0; l < K && start + l < n; ++l) element_at(grad, start + l) = scalar_tangent<D>(r, l);
    start += K;
  } while (start < n);
  if constexpr (Mode::with_primal)
    return PrimalAndDerivative<S, decltype(grad)>{primal, std::move(grad)};
  else
    return grad;
}

template <std::size_t K, class Mode, class F, class X>
auto forward_jacobian(F& f, const X& x) {
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  struct CallTag {};  // this call's Duals are its own (see Dual's Tag)
  using D = Dual<S, static_cast<int>(K), CallTag>;
  const std::size_t n = Tr::size(x);
  auto duals = Tr::template make_like<D>(x);
  using R = std::remove_cvref_t<decltype(sweep<K>(f, x, duals, 0))>;
  check_result_type<D, R>();
  Matrix<S> jac;
  std::vector<S> primal;
  std::size_t start = 0;
  do {
    const auto r = sweep<K>(f, x, duals, start);
    std::size_t m = 1;
    if constexpr (Container<R>) m = container_size(r);
    if (start == 0) {
      jac = Matrix<S>(m, n);
      primal.resize(m);
    } else if (m != jac.rows()) {
      throw Error("kinase::jacobian: the function returned " + std::to_string(jac.rows()) +
                  " values in the first sweep and " + std::to_string(m) + " in a later one");
    }
    for (std::size_t i = 0; i < m; ++i) {
      const auto& ri = [&]() -> decltype(auto) {
        if constexpr (Container<R>)
          return element_at(r, i);
        else
          return (r);
      }();
      primal[i] = scalar_primal<D>(ri);
      for (std::size_t l = 0; l < K && start + l < n; ++l) jac(i, start + l) = scalar_tangent<D>(ri, l);
    }
    start += K;
  } while (start < n);
  if constexpr (Mode::with_primal)
    return PrimalAndDerivative<std::vector<S>, Matrix<S>>{std::move(primal), std::move(jac)};
  else
    return jac;
}

/// Calls body.template operator()<K>() with the automatic chunk size for n inputs: 1, 2, 4 or 8.
template <class Body>
decltype(auto) with_auto_chunk(std::size_t n, Body&& body) {
  if (n <= 1) return body.template operator()<1>();
  if (n <= 2) return body.template operator()<2>();
  if (n <= 4) return body.template operator()<4>();
  return body.template operator()<8>();
}

}  // namespace detail

/// The gradient of a scalar function of a container, by forward mode, K = chunk<K> directions per sweep.
/// Returns a container of the input's shape (Forward), or {primal, derivative} (ForwardWithPrimal).
template <ForwardModeTag Mode, class F, class X, std::size_t K>
auto gradient(Mode, F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  return detail::forward_gradient<K, std::remove_cvref_t<Mode>>(f, x);
}

/// As above with the chunk size chosen from the input's length (at most 8 lanes).
template <ForwardModeTag Mode, class F, class X>
auto gradient(Mode mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x),
                                 [&]<std::size_t K>() { return gradient(mode, f, x, chunk<K>); });
}

/// gradient of a braced list: `gradient(Forward, f, {1.0, 2.0})`; the input (and the gradient) is a std::vector.
template <ForwardModeTag Mode, class F, class T, std::size_t K>
auto gradient(Mode mode, F&& f, std::initializer_list<T> x, Chunk<K> c) {
  return gradient(mode, f, std::vector<T>(x), c);
}
template <ForwardModeTag Mode, class F, class T>
auto gradient(Mode mode, F&& f, std::initializer_list<T> x) {
  return gradient(mode, f, std::vector<T>(x));
}

/// The Jacobian J(i, j) = ∂f_i/∂x_j of a function from a container to a container (or to a scalar: one row), by
/// forward mode with K directions per sweep. Returns kinase::Matrix (Forward) or {primal, derivative}.
template <ForwardModeTag Mode, class F, class X, std::size_t K>
auto jacobian(Mode, F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  return detail::forward_jacobian<K, std::remove_cvref_t<Mode>>(f, x);
}

template <ForwardModeTag Mode, class F, class X>
auto jacobian(Mode mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x),
                                 [&]<std::size_t K>() { return jacobian(mode, f, x, chunk<K>); });
}

template <ForwardModeTag Mode, class F, class T, std::size_t K>
auto jacobian(Mode mode, F&& f, std::initializer_list<T> x, Chunk<K> c) {
  return jacobian(mode, f, std::vector<T>(x), c);
}
template <ForwardModeTag Mode, class F, class T>
auto jacobian(Mode mode, F&& f, std::initializer_list<T> x) {
  return jacobian(mode, f, std::vector<T>(x));
}

}  // namespace kinase
