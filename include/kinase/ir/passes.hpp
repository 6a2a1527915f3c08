#pragma once
// Transformations of the IR. Each returns a new Function and leaves its argument unchanged.
//
//   jvp(f, active, lanes)   forward mode. Inputs: f's inputs, then for each active input `lanes` tangent arrays
//                           (lane-major: dx.0, dx.1, …). Outputs: f's outputs, then for each output its `lanes`
//                           tangents.
//   vjp(f, active)          reverse mode. Inputs: f's inputs, then one cotangent per output. Outputs: f's outputs,
//                           then one adjoint per active input. The forward sweep keeps every value outside loops;
//                           a loop stores its carried values per iteration and its reverse loop recomputes the body
//                           from them (the forward/reverse split: keep what is cheap to keep, recompute the rest).
//                           Without `primal_outputs` the outputs of f are left 0, and what only they needed is
//                           removed (a gradient alone then skips the forward loops whose results the reverse
//                           pass does not read). A zero cotangent contributes 0 through a partial that may be
//                           infinite (the engines' strong-zero rule, ops/op.hpp); with `strong_zero_all` through
//                           every partial, as the tape skips a zero adjoint: what a jvp of the result (H·v) needs
//                           so that a branch the function does not take adds no nan from a partial's derivative.
//   simplify(f)             dead-code elimination, then folding, identities and CSE through the builder.
//
// The partials come from the op rules of include/kinase/ops/, run on the tracer: they are IR themselves, so the
// result of jvp or vjp can be differentiated again (hvp is jvp of vjp; any order).
#include <span>
#include <vector>

#include "kinase/ir/ir.hpp"

namespace kinase::ir {

Function jvp(const Function& f, std::span<const char> active, int lanes = 1);
Function vjp(const Function& f, std::span<const char> active, bool primal_outputs = true, bool strong_zero_all = false);
Function simplify(const Function& f);

/// Every input active.
inline std::vector<char> all_active(const Function& f) { return std::vector<char>(f.inputs.size(), 1); }

}  // namespace kinase::ir
