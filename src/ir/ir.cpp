// The IR's op table, evaluator, interpreter, printer and verifier.
#include "kinase/ir/ir.hpp"

#include <cmath>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>

#include "evaluator.hpp"
#include "kinase/core/error.hpp"
#include "kinase/ir/backend.hpp"
#include "kinase/ir/op_index.hpp"

namespace kinase::ir {

std::span<const OpInfo> ops_table() {
  static const std::vector<OpInfo> table = [] {
    std::vector<OpInfo> t;
    []<class... Op>(ops::OpList<Op...>, std::vector<OpInfo>& out) {
      (out.push_back(OpInfo{Op::name.data(), Op::arity, has_int_param_v<Op>}), ...);
    }(ir_ops{}, t);
    return t;
  }();
  return table;
}

int find_op(std::string_view name) {
  const auto t = ops_table();
  for (std::size_t i = 0; i < t.size(); ++i)
    if (name == t[i].name) return static_cast<int>(i);
  return -1;
}

double eval_op(std::uint16_t op, std::span<const double> args, std::int64_t param) {
  double r = 0;
  const bool found = visit_op(op, [&]<class Op>(std::type_identity<Op>) {
    if constexpr (has_int_param_v<Op>)
      r = static_cast<double>(Op::primal(args[0], static_cast<int>(param)));
    else if constexpr (Op::arity == 1)
      r = static_cast<double>(Op::primal(args[0]));
    else
      r = static_cast<double>(Op::primal(args[0], args[1]));
  });
  if (!found) throw Error("kinase::ir: no op numbered " + std::to_string(op));
  return r;
}

namespace {
bool compare(Cmp c, double a, double b) {
  switch (c) {
    case Cmp::Lt:
      return a < b;
    case Cmp::Le:
      return a <= b;
    case Cmp::Gt:
      return a > b;
    case Cmp::Ge:
      return a >= b;
    case Cmp::Eq:
      return a == b;
    case Cmp::Ne:
      return a != b;
  }
  return false;
}
const char* cmp_name(Cmp c) {
  static const char* names[] = {"lt", "le", "gt", "ge", "eq", "ne"};
  return names[static_cast<int>(c)];
}
std::size_t stash_address(const StashInfo& s, double counter, std::uint32_t slot) {
  return s.offset + static_cast<std::size_t>(static_cast<std::int64_t>(counter) - s.lo) * s.width + slot;
}
}  // namespace

namespace detail {

bool Evaluator::eval(ValueId v) {
  const Inst& in = f.insts[v];
  auto arg = [&](std::size_t k) { return values[in.operands[k]]; };
  auto index = [&](std::size_t k) { return static_cast<std::size_t>(static_cast<std::int64_t>(arg(k))); };
  switch (in.kind) {
    case Kind::Const:
      values[v] = in.number;
      break;
    case Kind::IndexConst:
      values[v] = static_cast<double>(in.integer);
      break;
    case Kind::Param:
      break;  // set by the loop
    case Kind::Load:
      values[v] = inputs[in.array][index(0)];
      break;
    case Kind::Store:
      if (!outputs.empty()) outputs[in.array][index(0)] = arg(1);
      break;
    case Kind::Accum:
      if (!outputs.empty()) outputs[in.array][index(0)] += arg(1);
      break;
    case Kind::Math: {
      double a[2] = {arg(0), in.operands.size() > 1 ? arg(1) : 0.0};
      values[v] = eval_op(in.op, std::span<const double>(a, in.operands.size()), in.integer);
      break;
    }
    case Kind::Compare:
      values[v] = compare(static_cast<Cmp>(in.aux), arg(0), arg(1)) ? 1.0 : 0.0;
      break;
    case Kind::Not:
      values[v] = arg(0) != 0 ? 0.0 : 1.0;
      break;
    case Kind::And:
      values[v] = (arg(0) != 0 && arg(1) != 0) ? 1.0 : 0.0;
      break;
    case Kind::Or:
      values[v] = (arg(0) != 0 || arg(1) != 0) ? 1.0 : 0.0;
      break;
    case Kind::Select:
      values[v] = arg(0) != 0 ? arg(1) : arg(2);
      break;
    case Kind::IndexAdd:
      values[v] = arg(0) + arg(1);
      break;
    case Kind::IndexSub:
      values[v] = arg(0) - arg(1);
      break;
    case Kind::IndexMul:
      values[v] = arg(0) * arg(1);
      break;
    case Kind::Guard:
      if ((arg(0) != 0) != (in.integer != 0)) {
        failed_guard = static_cast<int>(in.aux) + 1;
        return false;
      }
      break;
    case Kind::Loop: {
      const Region& r = f.regions[static_cast<std::size_t>(in.region)];
      const std::size_t carries = in.operands.size();
      std::vector<double> carry(carries);
      for (std::size_t k = 0; k < carries; ++k) carry[k] = arg(k);
      for (std::int64_t step = 0; step < in.aux2 - in.integer; ++step) {
        const std::int64_t i = in.reversed ? in.aux2 - 1 - step : in.integer + step;
        values[r.params[0]] = static_cast<double>(i);
        for (std::size_t k = 0; k < carries; ++k) values[r.params[k + 1]] = carry[k];
        if (!run(in.region)) return false;
        for (std::size_t k = 0; k < carries; ++k) carry[k] = values[r.yields[k]];
      }
      // The results are read by LoopResult from the last carries, kept in the params' slots.
      for (std::size_t k = 0; k < carries; ++k) values[r.params[k + 1]] = carry[k];
      break;
    }
    case Kind::LoopResult: {
      const Inst& loop = f.insts[in.operands[0]];
      values[v] = values[f.regions[static_cast<std::size_t>(loop.region)].params[in.aux + 1]];
      break;
    }
    case Kind::StashStore:
      workspace[stash_address(f.stashes[in.array], arg(0), in.aux)] = arg(1);
      break;
    case Kind::StashLoad:
      values[v] = workspace[stash_address(f.stashes[in.array], arg(0), in.aux)];
      break;
  }
  return true;
}

bool Evaluator::run(std::int32_t region) {
  for (ValueId v : f.regions[static_cast<std::size_t>(region)].body)
    if (!eval(v)) return false;
  return true;
}

}  // namespace detail

int interpret(const Function& f, std::span<const double* const> inputs, std::span<double* const> outputs) {
  if (inputs.size() != f.inputs.size())
    throw Error("kinase::ir::interpret: `inputs` has " + std::to_string(inputs.size()) + " arrays; " + f.name +
                " reads " + std::to_string(f.inputs.size()));
  if (outputs.size() != f.outputs.size())
    throw Error("kinase::ir::interpret: `outputs` has " + std::to_string(outputs.size()) + " arrays; " + f.name +
                " writes " + std::to_string(f.outputs.size()));
  for (std::size_t k = 0; k < outputs.size(); ++k)
    if (f.outputs[k].size) std::memset(outputs[k], 0, f.outputs[k].size * sizeof(double));
  std::vector<double> values(f.insts.size());
  std::vector<double> workspace(f.workspace_size);
  detail::Evaluator e{f, values, inputs, outputs, workspace.data()};
  return e.run(0) ? 0 : e.failed_guard;
}

// --- printer ----------------------------------------------------------------------------------------------------

namespace {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Const:
      return "const";
    case Kind::IndexConst:
      return "iconst";
    case Kind::Param:
      return "param";
    case Kind::Load:
      return "load";
    case Kind::Store:
      return "store";
    case Kind::Accum:
      return "accum";
    case Kind::Math:
      return "math";
    case Kind::Compare:
      return "cmp";
    case Kind::Not:
      return "not";
    case Kind::And:
      return "and";
    case Kind::Or:
      return "or";
    case Kind::Select:
      return "select";
    case Kind::IndexAdd:
      return "iadd";
    case Kind::IndexSub:
      return "isub";
    case Kind::IndexMul:
      return "imul";
    case Kind::Guard:
      return "guard";
    case Kind::Loop:
      return "loop";
    case Kind::LoopResult:
      return "result";
    case Kind::StashStore:
      return "stash";
    case Kind::StashLoad:
      return "unstash";
  }
  return "?";
}

void print_region(const Function& f, std::int32_t region, int depth, std::ostringstream& os) {
  const Region& r = f.regions[static_cast<std::size_t>(region)];
  const std::string pad(static_cast<std::size_t>(2 * depth), ' ');
  auto ops = [&](const Inst& in, std::size_t from = 0) {
    std::string s;
    for (std::size_t k = from; k < in.operands.size(); ++k)
      s += (k > from ? ", %" : "%") + std::to_string(in.operands[k]);
    return s;
  };
  for (ValueId v : r.body) {
    const Inst& in = f.insts[v];
    os << pad;
    if (in.type != Type::None) os << '%' << v << " = ";
    switch (in.kind) {
      case Kind::Const: {
        std::ostringstream n;
        n.precision(17);
        n << in.number;
        os << "const " << n.str();
        break;
      }
      case Kind::IndexConst:
        os << "iconst " << in.integer;
        break;
      case Kind::Load:
        os << "load " << f.inputs[in.array].name << "[%" << in.operands[0] << "]";
        break;
      case Kind::Store:
      case Kind::Accum:
        os << kind_name(in.kind) << ' ' << f.outputs[in.array].name << "[%" << in.operands[0] << "] "
           << (in.kind == Kind::Store ? "= %" : "+= %") << in.operands[1];
        break;
      case Kind::Math:
        os << ops_table()[in.op].name << ' ' << ops(in);
        if (ops_table()[in.op].has_param) os << ", " << in.integer;
        break;
      case Kind::Compare:
        os << "cmp." << cmp_name(static_cast<Cmp>(in.aux)) << ' ' << ops(in);
        break;
      case Kind::Guard:
        os << "guard %" << in.operands[0] << " is " << (in.integer ? "true" : "false") << "  ; " << f.guards[in.aux];
        break;
      case Kind::Loop: {
        const Region& body = f.regions[static_cast<std::size_t>(in.region)];
        os << "loop i in [" << in.integer << ", " << in.aux2 << ")" << (in.reversed ? " reversed" : "") << " carry ("
           << ops(in) << ") {\n"
           << pad << "  ^(";
        for (std::size_t k = 0; k < body.params.size(); ++k) os << (k ? ", %" : "%") << body.params[k];
        os << ")\n";
        print_region(f, in.region, depth + 1, os);
        os << pad << "  yield";
        for (std::size_t k = 0; k < body.yields.size(); ++k) os << (k ? ", %" : " %") << body.yields[k];
        os << '\n' << pad << '}';
        break;
      }
      case Kind::LoopResult:
        os << "result %" << in.operands[0] << '.' << in.aux;
        break;
      case Kind::StashStore:
        os << "stash s" << in.array << "[%" << in.operands[0] << "]." << in.aux << " = %" << in.operands[1];
        break;
      case Kind::StashLoad:
        os << "unstash s" << in.array << "[%" << in.operands[0] << "]." << in.aux;
        break;
      case Kind::Select:
        os << (in.aux == 1 ? "select.strong_zero " : "select ") << ops(in);
        break;
      default:
        os << kind_name(in.kind) << ' ' << ops(in);
        break;
    }
    os << '\n';
  }
}

}  // namespace

std::string print(const Function& f) {
  std::ostringstream os;
  os << "func " << (f.name.empty() ? "f" : f.name) << '(';
  for (std::size_t k = 0; k < f.inputs.size(); ++k)
    os << (k ? ", " : "") << f.inputs[k].name << '[' << f.inputs[k].size << ']';
  os << ") -> (";
  for (std::size_t k = 0; k < f.outputs.size(); ++k)
    os << (k ? ", " : "") << f.outputs[k].name << '[' << f.outputs[k].size << ']';
  os << ")";
  if (f.workspace_size) os << " workspace " << f.workspace_size;
  os << " {\n";
  print_region(f, 0, 1, os);
  os << "}\n";
  return os.str();
}

// --- verifier ---------------------------------------------------------------------------------------------------

namespace {

struct Verifier {
  const Function& f;
  std::vector<char> visible;

  [[noreturn]] void fail(ValueId v, const std::string& why) const {
    throw Error("kinase::ir::verify: instruction %" + std::to_string(v) + " (" + kind_name(f.insts[v].kind) + ") of " +
                (f.name.empty() ? std::string("the function") : f.name) + ": " + why);
  }
  void expect(ValueId v, std::size_t k, Type t) const {
    const ValueId o = f.insts[v].operands[k];
    if (o >= f.insts.size() || !visible[o])
      fail(v, "operand " + std::to_string(k) + " (%" + std::to_string(o) +
                  ") is not defined before it in this region or an enclosing one");
    if (f.insts[o].type != t) fail(v, "operand " + std::to_string(k) + " has the wrong type");
  }
  void arity(ValueId v, std::size_t n) const {
    if (f.insts[v].operands.size() != n)
      fail(v, "has " + std::to_string(f.insts[v].operands.size()) + " operands, expected " + std::to_string(n));
  }
  void region(std::int32_t id) {
    const Region& r = f.regions[static_cast<std::size_t>(id)];
    for (ValueId p : r.params) visible[p] = 1;
    for (ValueId v : r.body) {
      if (v >= f.insts.size()) throw Error("kinase::ir::verify: a region lists a missing instruction");
      const Inst& in = f.insts[v];
      switch (in.kind) {
        case Kind::Const:
        case Kind::IndexConst:
          arity(v, 0);
          break;
        case Kind::Param:
          fail(v, "a parameter is listed in a region's body");
        case Kind::Load:
          arity(v, 1);
          expect(v, 0, Type::Index);
          if (in.array >= f.inputs.size()) fail(v, "reads an input that does not exist");
          break;
        case Kind::Store:
        case Kind::Accum:
          arity(v, 2);
          expect(v, 0, Type::Index);
          expect(v, 1, Type::Real);
          if (in.array >= f.outputs.size()) fail(v, "writes an output that does not exist");
          break;
        case Kind::Math: {
          if (in.op >= ops_table().size()) fail(v, "names an op that does not exist");
          arity(v, static_cast<std::size_t>(ops_table()[in.op].arity));
          for (std::size_t k = 0; k < in.operands.size(); ++k) expect(v, k, Type::Real);
          break;
        }
        case Kind::Compare:
          arity(v, 2);
          expect(v, 0, Type::Real);
          expect(v, 1, Type::Real);
          break;
        case Kind::Not:
          arity(v, 1), expect(v, 0, Type::Bool);
          break;
        case Kind::And:
        case Kind::Or:
          arity(v, 2);
          expect(v, 0, Type::Bool);
          expect(v, 1, Type::Bool);
          break;
        case Kind::Select:
          arity(v, 3);
          expect(v, 0, Type::Bool);
          expect(v, 1, Type::Real);
          expect(v, 2, Type::Real);
          break;
        case Kind::IndexAdd:
        case Kind::IndexSub:
        case Kind::IndexMul:
          arity(v, 2);
          expect(v, 0, Type::Index);
          expect(v, 1, Type::Index);
          break;
        case Kind::Guard:
          arity(v, 1);
          expect(v, 0, Type::Bool);
          if (in.aux >= f.guards.size()) fail(v, "names a guard that does not exist");
          break;
        case Kind::Loop: {
          if (in.region <= 0 || static_cast<std::size_t>(in.region) >= f.regions.size()) fail(v, "has no body region");
          const Region& body = f.regions[static_cast<std::size_t>(in.region)];
          if (body.parent != id) fail(v, "its body's parent is not the region it is in");
          if (body.params.size() != in.operands.size() + 1 || body.yields.size() != in.operands.size())
            fail(v, "its carries, its body's parameters and its yields do not match");
          for (std::size_t k = 0; k < in.operands.size(); ++k) expect(v, k, Type::Real);
          if (f.insts[body.params[0]].type != Type::Index) fail(v, "its counter is not an Index");
          region(in.region);
          break;
        }
        case Kind::LoopResult: {
          arity(v, 1);
          const ValueId l = in.operands[0];
          if (!visible[l] || f.insts[l].kind != Kind::Loop) fail(v, "does not read a loop defined before it");
          if (in.aux >= f.insts[l].operands.size()) fail(v, "reads a carried value the loop does not have");
          break;
        }
        case Kind::StashStore:
        case Kind::StashLoad:
          arity(v, in.kind == Kind::StashStore ? 2 : 1);
          expect(v, 0, Type::Index);
          if (in.kind == Kind::StashStore) expect(v, 1, Type::Real);
          if (in.array >= f.stashes.size()) fail(v, "names a stash that does not exist");
          if (in.aux >= f.stashes[in.array].width) fail(v, "names a stash slot that does not exist");
          break;
      }
      visible[v] = 1;
    }
    for (std::size_t k = 0; k < r.yields.size(); ++k) {
      const ValueId y = r.yields[k];
      if (y >= f.insts.size() || !visible[y] || f.insts[y].type != Type::Real)
        throw Error("kinase::ir::verify: yield " + std::to_string(k) + " of region " + std::to_string(id) +
                    " is not a real value defined in it or around it");
    }
    // Leaving the region: its values are not visible after the loop.
    for (ValueId p : r.params) visible[p] = 0;
    for (ValueId v : r.body) visible[v] = 0;
  }
};

}  // namespace

void verify(const Function& f) {
  Verifier v{f, std::vector<char>(f.insts.size(), 0)};
  v.region(0);
}

}  // namespace kinase::ir

// --- backends' shared helpers -------------------------------------------------------------------------------------

namespace kinase::ir {

bool output_needs_zeroing(const Function& f, std::size_t o) {
  // Only an output every element of which is stored outside loops, at a constant position, and never accumulated
  // into, is fully written by the function itself.
  std::vector<char> stored(f.outputs[o].size, 0);
  for (ValueId v = 0; v < f.insts.size(); ++v)
    if (f[v].kind == Kind::Accum && f[v].array == o) return true;
  for (ValueId v : f.regions[0].body) {
    const Inst& in = f[v];
    if (in.kind != Kind::Store || in.array != o) continue;
    const Inst& index = f[in.operands[0]];
    if (index.kind != Kind::IndexConst || index.integer < 0 || static_cast<std::size_t>(index.integer) >= stored.size())
      return true;
    stored[static_cast<std::size_t>(index.integer)] = 1;
  }
  for (char s : stored)
    if (!s) return true;
  return false;
}

namespace {

class Interpreted final : public Executable {
 public:
  explicit Interpreted(Function f) : f_(std::move(f)) {}
  int run(const double* const* inputs, double* const* outputs, double* workspace) const override {
    for (std::size_t k = 0; k < f_.outputs.size(); ++k)
      if (f_.outputs[k].size) std::memset(outputs[k], 0, f_.outputs[k].size * sizeof(double));
    std::vector<double> values(f_.insts.size());
    detail::Evaluator e{f_, values, std::span<const double* const>(inputs, f_.inputs.size()),
                        std::span<double* const>(outputs, f_.outputs.size()), workspace};
    return e.run(0) ? 0 : e.failed_guard;
  }

 private:
  Function f_;
};

class InterpreterBackend final : public Backend {
 public:
  std::string_view name() const override { return "interpreter"; }
  std::unique_ptr<Executable> compile(const Function& f) const override { return std::make_unique<Interpreted>(f); }
};

}  // namespace

std::unique_ptr<Backend> interpreter_backend() { return std::make_unique<InterpreterBackend>(); }

#ifndef KINASE_WITH_LLVM
bool has_llvm() { return false; }
std::unique_ptr<Backend> llvm_backend(int) {
  throw Error(
      "kinase::ir::llvm_backend: this build of Kinase has no LLVM backend (configure with LLVM 16 installed "
      "and -DKINASE_WITH_LLVM=ON)");
}
std::unique_ptr<Backend> default_backend() { return interpreter_backend(); }
#endif

}  // namespace kinase::ir
