#pragma once
// What every op rule file shares (design §3). An op is a struct with
//   name                      the function's name, for tests and messages
//   arity                     how many leading arguments are differentiable; later arguments are parameters (an
//                             integer exponent, a polygamma order) that carry no derivative
//   primal(args...)           the value, generic over the scalar type
//   partial<I>(args..., r)    ∂r/∂arg_I given the result r, generic too, so it runs on double (the tape stores the
//                             number), on Dual (nested derivatives) and on the tracer (IR that differentiates again)
//   domain[arity]             where the generated op tests draw their points
// A partial may return the tags One, MinusOne or Zero instead of a number, so that engines skip the multiply.
#include <string_view>
#include <type_traits>

#include "kinase/core/traits.hpp"
#include "kinase/ops/compare.hpp"

namespace kinase::ops {

/// The interval the op-matrix tests sample for one argument.
struct Domain {
  double lo;
  double hi;
};

/// A partial that is exactly 1: engines pass the tangent or cotangent through unchanged.
struct One {};
/// A partial that is exactly −1.
struct MinusOne {};
/// A partial that is exactly 0 (floor, ceil, round, trunc): the derivative vanishes.
struct Zero {};

/// `p · t`: the only place an engine multiplies a partial into a tangent or cotangent.
template <class P, class T>
constexpr T scale(const P& p, const T& t) {
  if constexpr (std::is_same_v<P, One>)
    return t;
  else if constexpr (std::is_same_v<P, MinusOne>)
    return -t;
  else if constexpr (std::is_same_v<P, Zero>)
    return T{};
  else
    return static_cast<T>(p * t);
}

/// The value of a partial as a number of type T (tags included); used by tests and by engines that store numbers.
template <class T, class P>
constexpr T partial_value(const P& p) {
  if constexpr (std::is_same_v<P, One>)
    return T(1);
  else if constexpr (std::is_same_v<P, MinusOne>)
    return T(-1);
  else if constexpr (std::is_same_v<P, Zero>)
    return T(0);
  else
    return static_cast<T>(p);
}

/// The scalar type of a rule's result `r`: partials are written in it so that mixed arguments promote once.
template <class R>
using result_t = std::remove_cvref_t<R>;

}  // namespace kinase::ops
