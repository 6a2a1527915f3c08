#pragma once
// What the passes share: copying instructions into a builder, activity, and the partials of an op emitted as IR
// from its rule.
#include <unordered_map>
#include <vector>

#include "kinase/ir/builder.hpp"
#include "kinase/ir/ir.hpp"

namespace kinase::ir::detail {

/// Copies instructions of `src` into `b`; map[v] is the copy of src's value v.
struct Copier {
  const Function& src;
  Builder& b;
  std::vector<ValueId> map;
  std::vector<std::uint32_t> stash_map;  // src stash → dst stash

  Copier(const Function& s, Builder& builder) : src(s), b(builder), map(s.insts.size(), no_value) {}
  ValueId m(ValueId v) const { return map[v]; }
  /// Copies every stash buffer of src into the destination, with the same numbers.
  void copy_stashes();
  /// Copies one instruction that is not a Loop, LoopResult or Param.
  void copy(ValueId v);
  /// All loops' results: LoopResult instructions of each loop, by slot.
  std::unordered_map<ValueId, std::vector<std::vector<ValueId>>> results_of() const;
};

/// active[v]: v depends on an active input (through loads, ops, selects and loop carries).
std::vector<char> activity(const Function& f, std::span<const char> active_inputs);

/// The real values used inside region r (and the regions nested in it) that are defined outside it.
std::vector<ValueId> free_reals(const Function& f, std::int32_t r);

/// A partial of an op, emitted as IR: a tag when the rule says so statically, else a value.
struct Partial {
  enum Kind { Zero, One, MinusOne, Value } kind = Zero;
  ValueId v = no_value;
  bool finite = true;  // the op declares finite_partials: finite wherever its arguments and result are
};
/// The partials of Math instruction `in` at arguments `args` with result `r` (values of b's function).
std::vector<Partial> partials(Builder& b, const Inst& in, std::span<const ValueId> args, ValueId r);
/// p · t, or no_value for a zero partial. With the strong-zero rule of the engines (ops/op.hpp) for a partial that
/// may be infinite or nan, or for every partial with `strong_zero_all`: a zero t contributes 0, not 0 · inf = nan.
ValueId scale(Builder& b, const Partial& p, ValueId t, bool strong_zero_all = false);

}  // namespace kinase::ir::detail
