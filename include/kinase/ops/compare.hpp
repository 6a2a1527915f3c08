#pragma once
// Comparisons of active scalars: they compare the plain values at the bottom of the nest and carry no derivative
// (a branch on a comparison picks which rule runs; the rule itself is differentiated).
#include <compare>

#include "kinase/core/traits.hpp"

namespace kinase {

/// x == y compares primal values only: two duals with different tangents but equal values are equal.
template <class A, class B>
requires AnyActive<A, B>
constexpr bool operator==(const A& a, const B& b) { return base_value(a) == base_value(b); }

/// <, <=, >, >= (rewritten from <=>) compare primal values; nan is unordered, as for double.
template <class A, class B>
requires AnyActive<A, B>
constexpr std::partial_ordering operator<=>(const A& a, const B& b) { return base_value(a) <=> base_value(b); }

}  // namespace kinase
