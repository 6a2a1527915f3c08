#pragma once
// The four arithmetic operators on active scalars (negation is in neg.hpp).
//   d(x + y) = dx + dy        d(x − y) = dx − dy
//   d(x · y) = y dx + x dy    d(x / y) = dx/y − (x/y) dy/y
// Division by zero follows IEEE: the partials are ±inf or nan, as the primal is.
#include "kinase/ops/op.hpp"

namespace kinase::ops {

struct Add {
  static constexpr std::string_view name = "add";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};
  static constexpr auto primal(const auto& x, const auto& y) { return x + y; }
  template <int I>
  static constexpr One partial(const auto&, const auto&, const auto&) {
    return {};
  }
};

struct Sub {
  static constexpr std::string_view name = "sub";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};
  static constexpr auto primal(const auto& x, const auto& y) { return x - y; }
  template <int I>
  static constexpr auto partial(const auto&, const auto&, const auto&) {
    if constexpr (I == 0)
      return One{};
    else
      return MinusOne{};
  }
};

struct Mul {
  static constexpr std::string_view name = "mul";
  static constexpr int arity = 2;
  static constexpr bool finite_partials = true;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {-10.0, 10.0}};
  static constexpr auto primal(const auto& x, const auto& y) { return x * y; }
  // ∂(xy)/∂x = y, ∂(xy)/∂y = x
  template <int I>
  static constexpr auto partial(const auto& x, const auto& y, const auto&) {
    if constexpr (I == 0)
      return y;
    else
      return x;
  }
};

struct Div {
  static constexpr std::string_view name = "div";
  static constexpr int arity = 2;
  static constexpr Domain domain[] = {{-10.0, 10.0}, {0.5, 10.0}};
  static constexpr auto primal(const auto& x, const auto& y) { return x / y; }
  // ∂(x/y)/∂x = 1/y, ∂(x/y)/∂y = −(x/y)/y, the latter written in the result r
  template <int I>
  static constexpr auto partial(const auto&, const auto& y, const auto& r) {
    using R = result_t<decltype(r)>;
    if constexpr (I == 0)
      return R(R(1) / y);
    else
      return R(-r / y);
  }
};

}  // namespace kinase::ops

namespace kinase {

/// x + y where at least one side is active; the other may be a plain number.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto operator+(const A& a, const B& b) { return apply<ops::Add>(a, b); }
/// x − y where at least one side is active.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto operator-(const A& a, const B& b) { return apply<ops::Sub>(a, b); }
/// x · y where at least one side is active.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto operator*(const A& a, const B& b) { return apply<ops::Mul>(a, b); }
/// x / y where at least one side is active.
template <class A, class B>
requires AnyActive<A, B>
constexpr auto operator/(const A& a, const B& b) { return apply<ops::Div>(a, b); }

}  // namespace kinase
