#pragma once
// The compiled engine's IR (design §4): a function is a list of SSA instructions in nested regions.
//
//   * Every instruction defines at most one value; a value is named by its instruction's index (ValueId).
//   * Values have one of three types: Real (double), Index (a 64-bit integer: loop counters and array positions) and
//     Bool (the result of a comparison).
//   * The function reads input arrays and writes output arrays, each of a size fixed when the function was traced;
//     a scalar argument or result is an array of size 1.
//   * A region is an ordered list of instructions. Region 0 is the function's body. A Loop instruction owns a region
//     whose parameters are the loop counter and the carried values, and whose yields are the next carried values;
//     the loop's results are read with LoopResult. An instruction may use any value defined before it in its own
//     region or in an enclosing one.
//   * Effects: Store and Accum write outputs, StashStore writes the workspace (values kept by a forward loop for its
//     reverse loop), Guard checks a branch decision recorded at trace time. Everything else is pure.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kinase::ir {

using ValueId = std::uint32_t;
inline constexpr ValueId no_value = 0xFFFFFFFFu;

enum class Type : std::uint8_t { Real, Index, Bool, None };

enum class Kind : std::uint8_t {
  Const,       // Real constant `number`
  IndexConst,  // Index constant `integer`
  Param,       // a region parameter (Loop counter or carried value); `aux` is its position
  Load,        // Real: input array `array` at operand 0 (Index)
  Store,       // effect: output array `array` [operand 0] = operand 1
  Accum,       // effect: output array `array` [operand 0] += operand 1
  Math,        // Real: the op `op` of include/kinase/ops/ on the operands; `integer` is its integer parameter
  Compare,     // Bool: `aux` (a Cmp) of operands 0 and 1 (Real)
  Not,         // Bool
  And,         // Bool
  Or,          // Bool
  Select,      // Real: operand 0 (Bool) ? operand 1 : operand 2; `aux` 1 marks a strong-zero select (passes.hpp)
  IndexAdd,    // Index: operand 0 + operand 1
  IndexSub,    // Index: operand 0 − operand 1
  IndexMul,    // Index: operand 0 · operand 1
  Guard,       // effect: operand 0 (Bool) must be `integer` (0 or 1); `aux` names the guard in Function::guards
  Loop,        // for i in [integer, aux2) (downwards when `reversed`), operands = initial carries, body `region`
  LoopResult,  // Real: carried value `aux` of the Loop operand 0 after its last iteration
  StashStore,  // effect: stash buffer `array`, iteration operand 0 (the loop counter), slot `aux` = operand 1
  StashLoad,   // Real: stash buffer `array`, iteration operand 0, slot `aux`
};

enum class Cmp : std::uint8_t { Lt, Le, Gt, Ge, Eq, Ne };

struct Inst {
  Kind kind = Kind::Const;
  Type type = Type::Real;
  bool reversed = false;          // Loop: iterate from aux2 − 1 down to integer
  std::uint16_t op = 0;           // Math: the op's index in ops_table()
  std::uint32_t array = 0;        // Load/Store/Accum/Stash*: which array or stash buffer
  std::uint32_t aux = 0;          // Param position, Cmp, LoopResult slot, Stash slot, Guard name
  std::int32_t region = -1;       // Loop: its body
  std::int64_t integer = 0;       // IndexConst, Guard expectation, Loop lower bound, Math integer parameter
  std::int64_t aux2 = 0;          // Loop upper bound (exclusive)
  double number = 0;              // Const
  std::vector<ValueId> operands;  // in order
};

struct Region {
  std::vector<ValueId> params;  // Param instructions: Loop counter first, then the carried values
  std::vector<ValueId> body;    // instructions in execution order
  std::vector<ValueId> yields;  // Loop: the carried values for the next iteration
  std::int32_t parent = -1;     // the enclosing region (-1 for the function's body)
};

struct ArrayInfo {
  std::string name;
  std::size_t size = 0;
};

/// Workspace kept by a loop for its reverse: `width` slots for each of the iterations [lo, lo + count).
struct StashInfo {
  std::int64_t lo = 0;
  std::int64_t count = 0;
  std::uint32_t width = 0;
  std::size_t offset = 0;  // in doubles, into the workspace
};

struct Function {
  std::string name;
  std::vector<Inst> insts;
  std::vector<Region> regions{Region{}};  // region 0 is the body
  std::vector<ArrayInfo> inputs;
  std::vector<ArrayInfo> outputs;
  std::vector<StashInfo> stashes;
  std::vector<std::string> guards;  // what each Guard checks, for messages
  std::size_t workspace_size = 0;   // doubles

  const Inst& operator[](ValueId v) const { return insts[v]; }
  Inst& operator[](ValueId v) { return insts[v]; }
  /// How many instructions the body and its nested regions hold.
  std::size_t size() const { return insts.size(); }
};

/// The ops of include/kinase/ops/ known to the IR: `op` of a Math instruction indexes this table.
struct OpInfo {
  const char* name;
  int arity;       // differentiable arguments
  bool has_param;  // an integer parameter follows (pow_int's exponent, polygamma's order)
};
std::span<const OpInfo> ops_table();
/// The index of the op called `name` in ops_table(), or -1.
int find_op(std::string_view name);

/// Evaluates op `op` on plain doubles (its rule's primal).
double eval_op(std::uint16_t op, std::span<const double> args, std::int64_t param);

/// The function as text, one instruction per line, regions indented.
std::string print(const Function& f);
/// Throws kinase::Error naming the instruction and the reason when `f` is malformed (an operand used before it is
/// defined or outside its region, a type mismatch, an array or stash out of range, a loop whose yields do not match).
void verify(const Function& f);

/// Runs `f` on plain doubles: the reference the backends are tested against. `inputs[k]` has
/// `f.inputs[k].size` numbers, `outputs[k]` receives `f.outputs[k].size` (set to 0 first). Returns 0, or 1 + the
/// number of the first guard that failed.
int interpret(const Function& f, std::span<const double* const> inputs, std::span<double* const> outputs);

}  // namespace kinase::ir
