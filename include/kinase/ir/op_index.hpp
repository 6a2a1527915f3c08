#pragma once
// The IR's numbering of the ops of include/kinase/ops/: a Math instruction names its op by its position in
// `ir_ops`. Passes and backends turn a number back into the op's struct with visit_op, so that every engine reads
// the same rule (design §3).
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kinase/ops/all.hpp"

namespace kinase::ir {

namespace detail {
template <class A, class B, class C>
struct concat3;
template <class... A, class... B, class... C>
struct concat3<ops::OpList<A...>, ops::OpList<B...>, ops::OpList<C...>> {
  using type = ops::OpList<A..., B..., C...>;
};

template <class Op, class List>
struct index_in;
template <class Op, class... Rest>
struct index_in<Op, ops::OpList<Op, Rest...>> : std::integral_constant<int, 0> {};
template <class Op, class First, class... Rest>
struct index_in<Op, ops::OpList<First, Rest...>>
    : std::integral_constant<
          int, (index_in<Op, ops::OpList<Rest...>>::value < 0 ? -1 : 1 + index_in<Op, ops::OpList<Rest...>>::value)> {};
template <class Op>
struct index_in<Op, ops::OpList<>> : std::integral_constant<int, -1> {};
}  // namespace detail

/// Every op the IR knows, in the order of their numbers.
using ir_ops =
    typename detail::concat3<ops::differentiable_ops, ops::parameterised_ops, ops::piecewise_constant_ops>::type;

/// The number of op `Op` in the IR, or −1 for an op the IR does not know (a user-written rule).
template <class Op>
inline constexpr int op_index_v = detail::index_in<Op, ir_ops>::value;

/// Calls `f(std::type_identity<Op>{})` with the op numbered `index`; returns false when there is none.
template <class F>
bool visit_op(std::uint16_t index, F&& f) {
  return [&]<class... Op>(ops::OpList<Op...>) {
    bool found = false;
    std::uint16_t i = 0;
    ((i++ == index ? (f(std::type_identity<Op>{}), found = true) : false), ...);
    return found;
  }(ir_ops{});
}

/// True for an op with an integer parameter after its argument (pow_int, polygamma).
template <class Op>
inline constexpr bool has_int_param_v = [] {
  return []<class... P>(ops::OpList<P...>) { return (std::is_same_v<Op, P> || ...); }(ops::parameterised_ops{});
}();

}  // namespace kinase::ir
