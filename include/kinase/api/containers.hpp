#pragma once
// What the API accepts as an argument: a plain scalar, or a contiguous container of scalars. container_traits says
// how to make a container of the same shape holding another element type (for the Duals) and what to pass to the
// user's function. <kinase/eigen.hpp> adds Eigen's matrices and arrays.
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "kinase/forward/dual.hpp"

namespace kinase {

/// Specialise for a container type C: `element`, `rebind<U>` (same shape, element U), `make_like<U>(c)`,
/// `size(c)`, `data(c)`, and `pass(storage)` (what the user's function receives).
template <class C>
struct container_traits {};

template <class T, class A>
struct container_traits<std::vector<T, A>> {
  using element = T;
  template <class U>
  using rebind = std::vector<U>;
  template <class U>
  static rebind<U> make_like(const std::vector<T, A>& c) {
    return rebind<U>(c.size());
  }
  static std::size_t size(const std::vector<T, A>& c) { return c.size(); }
  template <class S>
  static S& pass(S& storage) {
    return storage;
  }
};

template <class T, std::size_t N>
struct container_traits<std::array<T, N>> {
  using element = T;
  template <class U>
  using rebind = std::array<U, N>;
  template <class U>
  static rebind<U> make_like(const std::array<T, N>&) {
    return rebind<U>{};
  }
  static std::size_t size(const std::array<T, N>&) { return N; }
  template <class S>
  static S& pass(S& storage) {
    return storage;
  }
};

/// A span is a view: Kinase's duals live in a vector and the function receives a span over them.
template <class T, std::size_t E>
struct container_traits<std::span<T, E>> {
  using element = std::remove_const_t<T>;
  template <class U>
  using rebind = std::vector<U>;
  template <class U>
  static rebind<U> make_like(const std::span<T, E>& c) {
    return rebind<U>(c.size());
  }
  static std::size_t size(const std::span<T, E>& c) { return c.size(); }
  template <class U>
  static std::span<U> pass(std::vector<U>& storage) {
    return std::span<U>(storage);
  }
};

template <class C>
concept Container = requires {
  typename container_traits<std::remove_cvref_t<C>>::element;
};

/// Scalars an argument may hold: floating-point numbers, or Duals when the call itself is being differentiated.
template <class T>
concept DifferentiableScalar = std::is_floating_point_v<T> || is_dual_v<T>;

namespace detail {

template <class T>
struct element_of {
  using type = std::remove_cvref_t<T>;
};
template <Container C>
struct element_of<C> {
  using type = typename container_traits<std::remove_cvref_t<C>>::element;
};
/// The scalar inside an argument: T for a scalar, the element type for a container.
template <class T>
using element_t = typename element_of<T>::type;

/// True for a type that looks like an Eigen object: it has a `Scalar` and a `PlainObject`.
template <class T>
concept LooksLikeEigen = requires {
  typename std::remove_cvref_t<T>::Scalar;
  typename std::remove_cvref_t<T>::PlainObject;
};

template <class C>
std::size_t container_size(const C& c) {
  return container_traits<std::remove_cvref_t<C>>::size(c);
}

template <class C>
decltype(auto) element_at(C& c, std::size_t i) {
  return c.data()[i];
}

}  // namespace detail
}  // namespace kinase
