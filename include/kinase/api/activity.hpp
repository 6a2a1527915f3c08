#pragma once
// Activities (Enzyme's vocabulary): how an argument, or the result, takes part in differentiation.
//   Const(x)                           not differentiated
//   Duplicated(x, dx)                  differentiated; dx is x's shadow (the tangent seed in forward mode)
//   DuplicatedNoNeed(x, dx)            as Duplicated, but the caller does not need x's primal after the call
//   BatchDuplicated(x, {dx1, ..., dxN})     N shadows: N tangent lanes in one sweep
//   BatchDuplicatedNoNeed(x, {dx1, ..., dxN})
//   Active(x)                          reverse mode, scalars: the derivative is returned
// As return activities they are written with braces and no arguments: Const{}, Duplicated{}, ...
// A container passed as an lvalue is held by reference, so that a function that mutates it updates the caller's
// object and the shadow mirrors it; scalars and temporaries are held by value.
#include <array>
#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>

namespace kinase {

namespace detail {
/// How an activity stores an argument: a reference to an lvalue container, a value otherwise.
template <class U>
using stored_t = std::conditional_t<std::is_lvalue_reference_v<U> && !std::is_arithmetic_v<std::remove_cvref_t<U>>, U,
                                    std::remove_cvref_t<U>>;
}  // namespace detail

/// A constant argument (or, as `Const{}`, a result whose derivative is not wanted).
template <class T = void>
struct Const {
  T value;
  template <class U>
  constexpr Const(U&& v) : value(std::forward<U>(v)) {}
};
template <>
struct Const<void> {};
Const()->Const<void>;
template <class U>
Const(U&&) -> Const<detail::stored_t<U>>;

/// A scalar argument differentiated in reverse mode: its derivative is returned (or, as `Active{}`, a scalar
/// result whose adjoint is seeded with 1).
template <class T = void>
struct Active {
  T value;
  template <class U>
  constexpr Active(U&& v) : value(std::forward<U>(v)) {}
};
template <>
struct Active<void> {};
Active()->Active<void>;
template <class U>
Active(U&&) -> Active<std::remove_cvref_t<U>>;

/// An argument with its shadow (or, as `Duplicated{}`, a result whose primal and derivative are both returned).
template <class T = void, class S = T>
struct Duplicated {
  T value;
  S shadow;
  template <class U, class V>
  constexpr Duplicated(U&& v, V&& s) : value(std::forward<U>(v)), shadow(std::forward<V>(s)) {}
};
template <>
struct Duplicated<void, void> {};
Duplicated()->Duplicated<void, void>;
template <class U, class V>
Duplicated(U&&, V&&) -> Duplicated<detail::stored_t<U>, detail::stored_t<V>>;

/// As Duplicated, but the primal is not needed: for a result only the derivative is returned.
template <class T = void, class S = T>
struct DuplicatedNoNeed {
  T value;
  S shadow;
  template <class U, class V>
  constexpr DuplicatedNoNeed(U&& v, V&& s) : value(std::forward<U>(v)), shadow(std::forward<V>(s)) {}
};
template <>
struct DuplicatedNoNeed<void, void> {};
DuplicatedNoNeed()->DuplicatedNoNeed<void, void>;
template <class U, class V>
DuplicatedNoNeed(U&&, V&&) -> DuplicatedNoNeed<detail::stored_t<U>, detail::stored_t<V>>;

namespace detail {
/// A batch shadow: held by value for scalars, by reference for containers (written back after the call).
template <class T>
using batch_shadow_t = std::conditional_t<std::is_reference_v<T>, std::reference_wrapper<std::remove_reference_t<T>>,
                                          std::remove_cvref_t<T>>;
}  // namespace detail

/// An argument with N shadows, one per tangent lane.
template <class T = void, std::size_t N = 0>
struct BatchDuplicated {
  static constexpr std::size_t lanes = N;
  T value;
  std::array<detail::batch_shadow_t<T>, N> shadows;
  template <class U>
  constexpr BatchDuplicated(U&& v, const detail::batch_shadow_t<T> (&s)[N])
      : value(std::forward<U>(v)), shadows(std::to_array(s)) {}
};
template <>
struct BatchDuplicated<void, 0> {};
BatchDuplicated()->BatchDuplicated<void, 0>;
template <class U, std::size_t N>
requires std::is_arithmetic_v<std::remove_cvref_t<U>> BatchDuplicated(
    U&&, const std::type_identity_t<std::remove_cvref_t<U>> (&)[N])
->BatchDuplicated<std::remove_cvref_t<U>, N>;
template <class U, class V, std::size_t N>
requires(!std::is_arithmetic_v<std::remove_cvref_t<U>>) BatchDuplicated(U&, const V (&)[N])
->BatchDuplicated<U&, N>;

/// As BatchDuplicated, but the primal is not needed.
template <class T = void, std::size_t N = 0>
struct BatchDuplicatedNoNeed {
  static constexpr std::size_t lanes = N;
  T value;
  std::array<detail::batch_shadow_t<T>, N> shadows;
  template <class U>
  constexpr BatchDuplicatedNoNeed(U&& v, const detail::batch_shadow_t<T> (&s)[N])
      : value(std::forward<U>(v)), shadows(std::to_array(s)) {}
};
template <>
struct BatchDuplicatedNoNeed<void, 0> {};
BatchDuplicatedNoNeed()->BatchDuplicatedNoNeed<void, 0>;
template <class U, std::size_t N>
requires std::is_arithmetic_v<std::remove_cvref_t<U>> BatchDuplicatedNoNeed(
    U&&, const std::type_identity_t<std::remove_cvref_t<U>> (&)[N])
->BatchDuplicatedNoNeed<std::remove_cvref_t<U>, N>;
template <class U, class V, std::size_t N>
requires(!std::is_arithmetic_v<std::remove_cvref_t<U>>) BatchDuplicatedNoNeed(U&, const V (&)[N])
->BatchDuplicatedNoNeed<U&, N>;

namespace detail {
template <class A>
struct activity_info {
  static constexpr bool is_activity = false;
};
template <class T>
struct activity_info<Const<T>> {
  static constexpr bool is_activity = true;
  static constexpr bool is_return = std::is_void_v<T>;
  static constexpr bool active = false;
  static constexpr bool batch = false;
  static constexpr bool no_need = false;
  static constexpr std::size_t lanes = 1;
  static constexpr const char* name = "Const";
};
template <class A>
inline constexpr bool is_active_activity = false;
template <class T>
inline constexpr bool is_active_activity<Active<T>> = true;

template <class T>
struct activity_info<Active<T>> {
  static constexpr bool is_activity = true;
  static constexpr bool is_return = std::is_void_v<T>;
  static constexpr bool active = true;
  static constexpr bool batch = false;
  static constexpr bool no_need = false;
  static constexpr std::size_t lanes = 1;
  static constexpr const char* name = "Active";
};
template <class T, class S>
struct activity_info<Duplicated<T, S>> {
  static constexpr bool is_activity = true;
  static constexpr bool is_return = std::is_void_v<T>;
  static constexpr bool active = true;
  static constexpr bool batch = false;
  static constexpr bool no_need = false;
  static constexpr std::size_t lanes = 1;
  static constexpr const char* name = "Duplicated";
};
template <class T, class S>
struct activity_info<DuplicatedNoNeed<T, S>> : activity_info<Duplicated<T, S>> {
  static constexpr bool no_need = true;
  static constexpr const char* name = "DuplicatedNoNeed";
};
template <class T, std::size_t N>
struct activity_info<BatchDuplicated<T, N>> {
  static constexpr bool is_activity = true;
  static constexpr bool is_return = std::is_void_v<T>;
  static constexpr bool active = true;
  static constexpr bool batch = true;
  static constexpr bool no_need = false;
  static constexpr std::size_t lanes = N;
  static constexpr const char* name = "BatchDuplicated";
};
template <class T, std::size_t N>
struct activity_info<BatchDuplicatedNoNeed<T, N>> : activity_info<BatchDuplicated<T, N>> {
  static constexpr bool no_need = true;
  static constexpr const char* name = "BatchDuplicatedNoNeed";
};
}  // namespace detail

}  // namespace kinase
