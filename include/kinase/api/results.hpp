#pragma once
// What `autodiff` and the helpers return: small structs with named members, so that nothing depends on remembering
// an order. Structured bindings give the members in declaration order, which is the seed's order: primal first,
// then derivative (`auto [value, slope] = autodiff(Forward, f, Duplicated{}, ...)`).
#include <array>
#include <cstddef>

namespace kinase {

/// The primal result and its derivative (return activity Duplicated, or any derivative in a *WithPrimal mode).
template <class P, class D>
struct PrimalAndDerivative {
  P primal;
  D derivative;
};

/// The derivative alone (return activity DuplicatedNoNeed in Forward mode).
template <class D>
struct DerivativeOnly {
  D derivative;
};

/// The primal alone (return activity Const in ForwardWithPrimal mode).
template <class P>
struct PrimalOnly {
  P primal;
};

/// The primal and one derivative per lane (return activity BatchDuplicated).
template <class P, class D, std::size_t N>
struct PrimalAndDerivatives {
  P primal;
  std::array<D, N> derivatives;
};

/// One derivative per lane (return activity BatchDuplicatedNoNeed in Forward mode).
template <class D, std::size_t N>
struct DerivativesOnly {
  std::array<D, N> derivatives;
};

/// Reverse mode: the derivatives of the Active arguments, in argument order (Enzyme's first tuple).
template <class D>
struct DerivativesOf {
  D derivatives;
};

/// ReverseWithPrimal: the derivatives of the Active arguments, then the primal result (Enzyme's order).
template <class D, class P>
struct DerivativesAndPrimal {
  D derivatives;
  P primal;
};

/// Nothing to return (return activity Const in Forward mode, or a function returning void): the derivatives are
/// in the shadows of the arguments.
struct NoResult {};

}  // namespace kinase
