#pragma once
// What every op rule file shares (design §3). An op is a struct with
//   name                      the function's name, for tests and messages
//   arity                     how many leading arguments are differentiable; later arguments are parameters (an
//                             integer exponent, a polygamma order) that carry no derivative
//   primal(args...)           the value, generic over the scalar type
//   partial<I>(args..., r)    ∂r/∂arg_I given the result r, generic too, so it runs on double (the tape stores the
//                             number), on Dual (nested derivatives) and on the tracer (IR that differentiates again)
//   domain[arity]             where the generated op tests draw their points
//   finite_partials           (optional) true when the partials are finite wherever arguments and result are
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

/// True when p is a finite number (tags are). Written without <cmath> so that it is constexpr; for a Dual partial
/// every component must be finite.
template <class P>
constexpr bool is_finite(const P& p) {
  if constexpr (std::is_same_v<P, One> || std::is_same_v<P, MinusOne> || std::is_same_v<P, Zero>) {
    return true;
  } else if constexpr (requires { p.tangent; }) {  // a Dual: every component
    if (!is_finite(p.primal)) return false;
    for (const auto& t : p.tangent)
      if (!is_finite(t)) return false;
    return true;
  } else if constexpr (ActiveScalar<P>) {  // a tape variable or expression: its value
    return is_finite(p.primal);
  } else {
    return p - p == 0;  // inf − inf and nan − nan are nan
  }
}

/// True when every component of t is zero.
template <class T>
constexpr bool is_zero(const T& t) {
  if constexpr (requires { t.tangent; }) {  // a Dual: every component
    if (!is_zero(t.primal)) return false;
    for (const auto& c : t.tangent)
      if (!is_zero(c)) return false;
    return true;
  } else if constexpr (ActiveScalar<T>) {
    // A tape variable is never treated as a strong zero: its value may be 0 while its derivative is not.
    return false;
  } else {
    return t == 0;
  }
}

/// `p · t` with the strong-zero rule: a zero tangent (or cotangent) contributes zero even when the partial is
/// infinite or nan. A direction that does not move an argument must not see that argument's infinite slope
/// (pow(x, y) at x = 0 differentiated along y alone is 0, not 0 · inf = nan). Finite partials take the plain product.
template <class P, class T>
constexpr T scale_strong_zero(const P& p, const T& t) {
  return is_zero(t) ? T{} : scale(p, t);
}

/// An op declares `static constexpr bool finite_partials = true` when its partials are finite wherever its
/// arguments and result are finite (sin, exp, x·y, ...). Engines then skip the strong-zero test for it. Ops with a
/// one-sided infinite slope or a pole (sqrt, log, pow, asin, x/y, ...) leave it out.
template <class Op>
inline constexpr bool finite_partials = requires {
  requires Op::finite_partials;
};

/// The partials of an op that returns one of its two arguments (min, max, fmin, fmax): 1 for the argument picked,
/// 0 for the other, and ½ each at a tie so that the choice is symmetric and op(x, x) has derivative 1.
template <int I, class R>
constexpr R selection_partial(bool picks_x, bool tie) {
  if (tie) return R(0.5);
  return (I == 0) == picks_x ? R(1) : R(0);
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
