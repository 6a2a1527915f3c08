#pragma once
// Strict mode: an op whose derivative is zero everywhere (floor, ceil, round, trunc, or a user rule whose partials
// are all the tag Zero) gives a derivative of 0 by design (docs/ops.md). That is right for the op and usually wrong
// for the model (a rounded quantity whose sensitivity was wanted); in strict mode it is an error instead.
#include <concepts>
#include <string>
#include <string_view>

#include "kinase/core/error.hpp"
#include "kinase/ops/op.hpp"

namespace kinase {

namespace detail {
inline thread_local int strict_depth = 0;
}

/// While alive, on this thread, applying a piecewise-constant op to an active value (a Dual with a nonzero
/// tangent, a Real recorded on a tape) throws kinase::Error naming the op. Scopes nest.
class Strict {
 public:
  Strict() { ++detail::strict_depth; }
  ~Strict() { --detail::strict_depth; }
  Strict(const Strict&) = delete;
  Strict& operator=(const Strict&) = delete;
};

namespace detail {

/// True for an op whose partials are all the tag Zero (a piecewise-constant op of one or two arguments).
template <class Op>
concept ZeroDerivativeOp = (Op::arity == 1 &&
                            requires {
                              { Op::template partial<0>(0.0, 0.0) } -> std::same_as<ops::Zero>;
                            }) ||
                           (Op::arity == 2 && requires {
                             { Op::template partial<0>(0.0, 0.0, 0.0) } -> std::same_as<ops::Zero>;
                             { Op::template partial<1>(0.0, 0.0, 0.0) } -> std::same_as<ops::Zero>;
                           });

[[noreturn]] inline void throw_strict(std::string_view op) {
  throw Error("kinase (strict mode): " + std::string(op) +
              " is applied to an active value, and its derivative is zero everywhere (it is piecewise constant), so "
              "no derivative flows through it; take kinase::base_value(x) first if the constant is meant, or "
              "leave the kinase::Strict scope to accept the zero derivative");
}

}  // namespace detail

}  // namespace kinase
