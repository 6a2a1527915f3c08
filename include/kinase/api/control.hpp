#pragma once
// Control flow that every engine understands, so that one generic function runs on double, Dual, the tape and the
// compiled engine alike:
//   for_range(lo, hi, init, body)   carry = body(i, carry) for i = lo, …, hi − 1; returns the last carry. The
//                                   compiled engine keeps it as one loop in the IR instead of unrolling it.
//   select(c, a, b)                 c ? a : b, where c may be a traced comparison (no guard is recorded)
//   cond(c, then_fn, else_fn)       c ? then_fn() : else_fn(); the compiled engine evaluates both and selects
// The carry of for_range is a scalar or a std::array of scalars; its type (not the body's) decides the engine.
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kinase/core/traits.hpp"

namespace kinase {
namespace detail {

/// How an engine runs a for_range whose carry has scalar type S: a plain C++ loop unless an engine (the tracer)
/// specialises it.
template <class S>
struct loop_engine {
  static constexpr bool plain = true;
};

/// How an engine selects with a condition that is not a bool (the tracer's TracedBool).
template <class S>
struct select_engine;

template <class C>
struct carry_scalar {
  using type = C;
};
template <class S, std::size_t K>
struct carry_scalar<std::array<S, K>> {
  using type = S;
};

}  // namespace detail

/// carry = body(i, carry) for i = lo, …, hi − 1 (no iteration when hi ≤ lo); returns the final carry. `i` is a
/// std::size_t on the plain engines and a traced position in the compiled engine: index arrays with it.
template <class Carry, class Body>
Carry for_range(std::int64_t lo, std::int64_t hi, const Carry& init, Body&& body) {
  using S = typename detail::carry_scalar<Carry>::type;
  if constexpr (requires { detail::loop_engine<S>::plain; }) {
    Carry carry = init;
    for (std::int64_t i = lo; i < hi; ++i) carry = body(static_cast<std::size_t>(i), carry);
    return carry;
  } else {
    return detail::loop_engine<S>::run(lo, hi, init, body);
  }
}

/// c ? a : b. With a traced comparison the compiled function computes both and selects, without a guard.
template <class C, class A, class B>
auto select(const C& c, const A& a, const B& b) {
  using R = promote_t<A, B>;
  if constexpr (std::is_same_v<C, bool>)
    return c ? R(a) : R(b);
  else
    return detail::select_engine<R>::run(c, R(a), R(b));
}

/// c ? then_fn() : else_fn(). With a traced comparison both branches are recorded and their results selected, so
/// both must be free of side effects.
template <class C, class Then, class Else>
auto cond(const C& c, Then&& then_fn, Else&& else_fn) {
  if constexpr (std::is_same_v<C, bool>) {
    using R = std::common_type_t<decltype(then_fn()), decltype(else_fn())>;
    return c ? R(then_fn()) : R(else_fn());
  } else {
    return select(c, then_fn(), else_fn());
  }
}

}  // namespace kinase
