#pragma once
// The small vocabulary every engine shares: what an active scalar is, how deep it is nested, and how an op is
// dispatched to the engine of its arguments.
#include <concepts>
#include <cstddef>
#include <type_traits>

namespace kinase {

/// Specialised by each engine for its active scalar type. A specialisation provides `depth` (1 + the depth of the
/// scalar it is built on) and `template <class Op, class... A> static R apply(const A&...)`.
template <class T>
struct engine {};

/// An active scalar: a type some engine differentiates (Dual, and later the tape's scalar and the tracer).
template <class T>
concept ActiveScalar = requires {
  engine<std::remove_cvref_t<T>>::depth;
};

/// A value an op accepts: an active scalar or a plain arithmetic constant.
template <class T>
concept OpArgument = ActiveScalar<T> || std::is_arithmetic_v<std::remove_cvref_t<T>>;

/// At least one argument is active, and all are op arguments: the constraint of every overloaded math function.
template <class... A>
concept AnyActive = (ActiveScalar<A> || ...) && (OpArgument<A> && ...);

/// How many engine levels wrap the plain scalar: 0 for double, 1 for Dual<double, N>, 2 for Dual<Dual<...>>.
template <class T>
inline constexpr int depth_v = 0;
template <ActiveScalar T>
inline constexpr int depth_v<T> = engine<std::remove_cvref_t<T>>::depth;

namespace detail {
template <class A, class B>
using deeper_t = std::conditional_t<(depth_v<B> > depth_v<A>), B, A>;

template <class First, class... Rest>
struct outermost {
  using type = First;
};
template <class First, class Second, class... Rest>
struct outermost<First, Second, Rest...> : outermost<deeper_t<First, Second>, Rest...> {};
}  // namespace detail

/// The outermost (deepest nested) type among the arguments of an op: the engine that applies it.
template <class... A>
using outermost_t = typename detail::outermost<std::remove_cvref_t<A>...>::type;

/// The type of an op's result: the outermost active type, or the common arithmetic type of plain arguments.
template <class... A>
using promote_t =
    std::conditional_t<(ActiveScalar<A> || ...), outermost_t<A...>, std::common_type_t<std::remove_cvref_t<A>...>>;

/// Dispatch op `Op` to the engine of the outermost active argument. Every math function of Kinase is this call.
template <class Op, class... A>
requires AnyActive<A...>
constexpr auto apply(const A&... a) { return engine<outermost_t<A...>>::template apply<Op>(a...); }

/// The plain scalar at the bottom of a nest (double for Dual<Dual<double, 1>, 4>).
template <class T>
struct base_scalar {
  using type = std::remove_cvref_t<T>;
};
template <ActiveScalar T>
struct base_scalar<T> {
  using type = typename base_scalar<typename std::remove_cvref_t<T>::value_type>::type;
};
template <class T>
using base_scalar_t = typename base_scalar<T>::type;

/// The plain value at the bottom of a nest; comparisons and branch decisions use it (they carry no derivative).
template <class T>
constexpr auto base_value(const T& x) {
  if constexpr (ActiveScalar<T>)
    return base_value(x.primal);
  else
    return x;
}

}  // namespace kinase
