#pragma once
// The one way instructions enter a Function: the tracer, the passes and the tests all emit through a Builder.
// It simplifies as it builds (constant folding, algebraic identities that hold in IEEE arithmetic, common
// subexpressions within the enclosing regions), and, while tracing, evaluates each instruction outside loops on the
// example arguments so that a branch on a traced value can be decided and guarded.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kinase/ir/ir.hpp"

namespace kinase::ir {

class Builder {
 public:
  /// Builds into `f`. With `evaluate`, `example_inputs` holds one span per input array of `f`, and value() gives
  /// the value of any instruction outside loops on them (evaluated on demand, loops included).
  explicit Builder(Function& f, bool evaluate = false, std::vector<std::span<const double>> example_inputs = {});
  ~Builder();
  Builder(const Builder&) = delete;
  Builder& operator=(const Builder&) = delete;

  Function& function() { return f_; }
  /// Folding, identities and CSE (on by default; the tests of the printer turn them off).
  void set_simplify(bool on) { simplify_ = on; }

  ValueId constant(double c);
  ValueId index_constant(std::int64_t c);
  ValueId bool_constant(bool c);
  ValueId load(std::uint32_t input, ValueId index);
  void store(std::uint32_t output, ValueId index, ValueId v);
  void accum(std::uint32_t output, ValueId index, ValueId v);
  ValueId math(std::uint16_t op, std::span<const ValueId> args, std::int64_t param = 0);
  ValueId compare(Cmp c, ValueId a, ValueId b);
  ValueId logical_not(ValueId a);
  ValueId logical_and(ValueId a, ValueId b);
  ValueId logical_or(ValueId a, ValueId b);
  /// c ? a : b. `strong_zero` marks the select the passes emit for the strong-zero rule, c = (t == 0), a = 0,
  /// b = p · t: jvp differentiates it as the tape does (the result is 0 only where t and its tangent are).
  ValueId select(ValueId c, ValueId a, ValueId b, bool strong_zero = false);
  ValueId index_add(ValueId a, ValueId b);
  ValueId index_sub(ValueId a, ValueId b);
  ValueId index_mul(ValueId a, ValueId b);
  void guard(ValueId cond, bool expected, std::string what);

  // Arithmetic shorthands used by the passes (math with the op found by name once).
  ValueId add(ValueId a, ValueId b);
  ValueId sub(ValueId a, ValueId b);
  ValueId mul(ValueId a, ValueId b);
  ValueId neg(ValueId a);

  /// A loop being built: after begin_loop the builder emits into its body; `params[0]` is the counter, then the
  /// carried values.
  struct LoopFrame {
    ValueId loop = no_value;
    std::int32_t region = -1;
    std::vector<ValueId> params;
  };
  LoopFrame begin_loop(std::int64_t lo, std::int64_t hi, bool reversed, std::span<const ValueId> init);
  /// Closes the loop with the next carried values; returns the loop's results (one per carried value).
  std::vector<ValueId> end_loop(const LoopFrame& frame, std::span<const ValueId> yields);

  std::uint32_t add_stash(std::int64_t lo, std::int64_t count, std::uint32_t width);
  void stash_store(std::uint32_t stash, ValueId counter, std::uint32_t slot, ValueId v);
  ValueId stash_load(std::uint32_t stash, ValueId counter, std::uint32_t slot);

  /// True when `v` has a value on the example arguments (the builder evaluates and `v` is outside every loop).
  bool known(ValueId v) const;
  double value(ValueId v);
  /// The smallest and largest value an Index can take (from the loop bounds); indexing checks them.
  std::pair<std::int64_t, std::int64_t> range(ValueId v) const;
  /// True when `v` may be used here: it was defined in the current region or one enclosing it.
  bool visible(ValueId v) const;
  /// True while the builder emits into a loop's body.
  bool in_loop() const { return stack_.size() > 1; }
  std::int32_t current_region() const { return stack_.back(); }

 private:
  ValueId emit(Inst inst);
  ValueId fold(const Inst& inst);
  void check_index(ValueId index, std::size_t size, const std::string& what) const;
  void set_range(ValueId v, std::int64_t lo, std::int64_t hi);

  struct Cse;
  Function& f_;
  bool simplify_ = true;
  bool evaluate_ = false;
  std::vector<std::span<const double>> examples_;
  std::vector<double> values_;
  std::size_t evaluated_ = 0;                                  // how much of region 0's body value() has evaluated
  std::vector<std::int32_t> region_of_;                        // the region of each value
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges_;  // Index values' ranges
  std::vector<std::int32_t> stack_{0};
  std::unique_ptr<Cse> cse_;
  std::uint16_t add_ = 0, sub_ = 0, mul_ = 0, neg_ = 0;
};

}  // namespace kinase::ir
