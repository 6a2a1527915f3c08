// The C++ emitter: a Function as the source of one C++ function with the contract of Executable::run, for inspection
// and for users without LLVM. Each value is a const local named after its instruction (v<id>); a loop's carried
// values are mutable locals (c<loop>_<k>) declared before its `for`, its counter is i<loop>.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "kinase/core/error.hpp"
#include "kinase/ir/backend.hpp"

namespace kinase::ir {

namespace {

const char* type_name(Type t) {
  switch (t) {
    case Type::Real:
      return "double";
    case Type::Index:
      return "std::int64_t";
    case Type::Bool:
      return "bool";
    case Type::None:
      break;
  }
  return "void";
}

const char* cmp_symbol(Cmp c) {
  static const char* symbols[] = {"<", "<=", ">", ">=", "==", "!="};
  return symbols[static_cast<int>(c)];
}

/// Text for a `//` comment: control characters become spaces, and the line never ends in a backslash (which would
/// splice the next line into the comment).
std::string comment_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && out.back() == '\\') out += '.';
  return out;
}

std::string integer_literal(std::int64_t n) {
  if (n == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  return std::to_string(n);
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

struct Emitter {
  const Function& f;
  std::vector<std::uint32_t> uses;  // how many operands and yields read each value
  std::string out;
  bool uses_in = false, uses_out = false, uses_ws = false;
  bool need_polygamma = false, need_limits = false, need_bit = false;

  static std::string v(ValueId id) { return "v" + std::to_string(id); }
  static std::string carry(ValueId loop, std::size_t k) { return "c" + std::to_string(loop) + "_" + std::to_string(k); }
  static std::string counter(ValueId loop) { return "i" + std::to_string(loop); }

  void line(int depth, const std::string& s) {
    out.append(static_cast<std::size_t>(2 * depth), ' ');
    out += s;
    out += '\n';
  }

  /// A literal (or constant expression) with exactly the value of `x`.
  std::string real_literal(double x) {
    if (std::isnan(x)) {
      // the bit pattern, so that the sign and payload survive
      need_bit = true;
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%016llxull", static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(x)));
      return std::string("std::bit_cast<double>(") + buf + ")";
    }
    if (std::isinf(x)) {
      need_limits = true;
      return x < 0 ? "-std::numeric_limits<double>::infinity()" : "std::numeric_limits<double>::infinity()";
    }
    char buf[64];
    if (x != 0 && std::fabs(x) < std::numeric_limits<double>::min()) {
      // subnormal: hexadecimal, exact by construction
      std::snprintf(buf, sizeof buf, "%a", x);
      return buf;
    }
    // the shortest decimal that reads back as x
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }

  std::string decl(ValueId id, const std::string& init) const {
    const Inst& in = f.insts[id];
    return std::string(uses[id] ? "" : "[[maybe_unused]] ") + "const " + type_name(in.type) + ' ' + v(id) + " = " +
           init + ';';
  }

  std::string stash_address(const Inst& in) {
    uses_ws = true;
    const StashInfo& s = f.stashes[in.array];
    std::string i = v(in.operands[0]);
    if (s.lo > 0) i = "(" + i + " - " + std::to_string(s.lo) + ")";
    if (s.lo < 0) i = "(" + i + " + " + std::to_string(-static_cast<std::uint64_t>(s.lo)) + ")";
    std::string a = s.offset ? std::to_string(s.offset) + " + " : "";
    a += s.width == 1 ? i : i + " * " + std::to_string(s.width);
    if (in.aux) a += " + " + std::to_string(in.aux);
    return "ws[" + a + "]";
  }

  std::string math(const Inst& in) {
    const std::string name = ops_table()[in.op].name;
    const std::string x = v(in.operands[0]);
    const std::string y = in.operands.size() > 1 ? v(in.operands[1]) : std::string();
    const int param = static_cast<int>(in.integer);  // as the op's primal receives it
    if (name == "add") return x + " + " + y;
    if (name == "sub") return x + " - " + y;
    if (name == "mul") return x + " * " + y;
    if (name == "div") return x + " / " + y;
    if (name == "neg") return "-" + x;
    if (name == "abs") return "std::fabs(" + x + ")";
    if (name == "min") return "(" + y + " < " + x + " ? " + y + " : " + x + ")";  // std::min(x, y)
    if (name == "max") return "(" + x + " < " + y + " ? " + y + " : " + x + ")";  // std::max(x, y)
    if (name == "pow_int") return "std::pow(" + x + ", " + real_literal(static_cast<double>(param)) + ")";
    if (name == "polygamma") {
      need_polygamma = true;
      return "kinase::polygamma(" + std::to_string(param) + ", " + x + ")";
    }
    return "std::" + name + "(" + x + (y.empty() ? "" : ", " + y) + ")";
  }

  void loop(ValueId id, int depth) {
    const Inst& in = f.insts[id];
    const Region& r = f.regions[static_cast<std::size_t>(in.region)];
    const std::string i = counter(id);
    std::string note = "// loop %" + std::to_string(id) + ": " + i + " in [" + std::to_string(in.integer) + ", " +
                       std::to_string(in.aux2) + ")" + (in.reversed ? ", downwards" : "");
    if (!in.operands.empty()) note += ", " + std::to_string(in.operands.size()) + " carried";
    line(depth, note);
    for (std::size_t k = 0; k < in.operands.size(); ++k)
      line(depth, "double " + carry(id, k) + " = " + v(in.operands[k]) + ";");
    if (in.reversed)
      line(depth, "for (std::int64_t " + i + " = " +
                      (in.aux2 == std::numeric_limits<std::int64_t>::min() ? integer_literal(in.aux2) + " - 1"
                                                                           : integer_literal(in.aux2 - 1)) +
                      "; " + i + " >= " + integer_literal(in.integer) + "; --" + i + ") {");
    else
      line(depth, "for (std::int64_t " + i + " = " + integer_literal(in.integer) + "; " + i + " < " +
                      integer_literal(in.aux2) + "; ++" + i + ") {");
    for (std::size_t k = 0; k < r.params.size(); ++k) line(depth + 1, decl(r.params[k], k == 0 ? i : carry(id, k - 1)));
    region(in.region, depth + 1);
    // The parameters are const copies of the carries, so the carries can be assigned one by one: a yield that reads
    // another carry's parameter still sees this iteration's value.
    for (std::size_t k = 0; k < r.yields.size(); ++k) line(depth + 1, carry(id, k) + " = " + v(r.yields[k]) + ";");
    line(depth, "}");
  }

  void inst(ValueId id, int depth) {
    const Inst& in = f.insts[id];
    auto a = [&](std::size_t k) { return v(in.operands[k]); };
    switch (in.kind) {
      case Kind::Const:
        line(depth, decl(id, real_literal(in.number)));
        break;
      case Kind::IndexConst:
        line(depth, decl(id, in.type == Type::Bool ? (in.integer ? "true" : "false") : integer_literal(in.integer)));
        break;
      case Kind::Param:
        break;  // bound by its loop
      case Kind::Load:
        uses_in = true;
        line(depth, decl(id, "in[" + std::to_string(in.array) + "][" + a(0) + "]"));
        break;
      case Kind::Store:
      case Kind::Accum:
        uses_out = true;
        line(depth, "out[" + std::to_string(in.array) + "][" + a(0) + "] " + (in.kind == Kind::Store ? "= " : "+= ") +
                        a(1) + ";");
        break;
      case Kind::Math:
        line(depth, decl(id, math(in)));
        break;
      case Kind::Compare:
        line(depth, decl(id, a(0) + " " + cmp_symbol(static_cast<Cmp>(in.aux)) + " " + a(1)));
        break;
      case Kind::Not:
        line(depth, decl(id, "!" + a(0)));
        break;
      case Kind::And:
        line(depth, decl(id, a(0) + " && " + a(1)));
        break;
      case Kind::Or:
        line(depth, decl(id, a(0) + " || " + a(1)));
        break;
      case Kind::Select:
        line(depth, decl(id, a(0) + " ? " + a(1) + " : " + a(2)));
        break;
      case Kind::IndexAdd:
        line(depth, decl(id, a(0) + " + " + a(1)));
        break;
      case Kind::IndexSub:
        line(depth, decl(id, a(0) + " - " + a(1)));
        break;
      case Kind::IndexMul:
        line(depth, decl(id, a(0) + " * " + a(1)));
        break;
      case Kind::Guard:
        line(depth, "if (" + a(0) + " != " + (in.integer ? "true" : "false") + ") return " +
                        std::to_string(std::uint64_t{in.aux} + 1) + ";  // guard " + std::to_string(in.aux) +
                        (in.aux < f.guards.size() ? ": " + comment_text(f.guards[in.aux]) : std::string()));
        break;
      case Kind::Loop:
        loop(id, depth);
        break;
      case Kind::LoopResult:
        line(depth, decl(id, carry(in.operands[0], in.aux)));
        break;
      case Kind::StashStore:
        line(depth, stash_address(in) + " = " + a(1) + ";");
        break;
      case Kind::StashLoad:
        line(depth, decl(id, stash_address(in)));
        break;
    }
  }

  void region(std::int32_t r, int depth) {
    for (ValueId id : f.regions[static_cast<std::size_t>(r)].body) inst(id, depth);
  }
};

}  // namespace

std::string emit_cpp(const Function& f, std::string_view name) {
  if (!is_identifier(name))
    throw Error("kinase::ir::emit_cpp: the name `" + std::string(name) + "` is not a C++ identifier");
  Emitter e{f, std::vector<std::uint32_t>(f.insts.size(), 0), {}};
  for (const Inst& in : f.insts) {
    if (in.kind == Kind::LoopResult) continue;  // its operand is the loop, which has no variable
    for (ValueId o : in.operands) ++e.uses[o];
  }
  for (const Region& r : f.regions)
    for (ValueId y : r.yields) ++e.uses[y];

  // The body first: it decides which includes and parameters are needed.
  for (std::size_t o = 0; o < f.outputs.size(); ++o) {
    if (f.outputs[o].size == 0 || !output_needs_zeroing(f, o)) continue;
    e.uses_out = true;
    e.line(1, "std::memset(out[" + std::to_string(o) + "], 0, " + std::to_string(f.outputs[o].size) +
                  " * sizeof(double));");
  }
  e.region(0, 1);
  e.line(1, "return 0;");

  auto arrays = [&](const std::vector<ArrayInfo>& a, const char* what) {
    std::string s;
    for (std::size_t k = 0; k < a.size(); ++k)
      s += "//   " + std::string(what) + "[" + std::to_string(k) + "]: " + comment_text(a[k].name) + " (" +
           std::to_string(a[k].size) + (a[k].size == 1 ? " number)\n" : " numbers)\n");
    return s;
  };
  std::string src = "// " + std::string(name) + ": generated by kinase::ir::emit_cpp" +
                    (f.name.empty() ? std::string() : " from " + comment_text(f.name)) + ".\n";
  src += "// Returns 0, or 1 + the number of the first guard that failed. Arrays:\n";
  src += arrays(f.inputs, "in");
  src += arrays(f.outputs, "out");
  src += "//   ws: " + std::to_string(f.workspace_size) + " numbers of workspace\n";
  src += "// For results identical to the interpreter's, compile without -ffast-math or FMA contraction.\n";
  if (e.need_bit) src += "#include <bit>\n";
  src += "#include <cmath>\n#include <cstdint>\n#include <cstring>\n";
  if (e.need_limits) src += "#include <limits>\n";
  if (e.need_polygamma) src += "\n#include <kinase/ops/polygamma.hpp>\n";
  src += "\nint " + std::string(name) + "(" + (e.uses_in ? "" : "[[maybe_unused]] ") + "const double* const* in, " +
         (e.uses_out ? "" : "[[maybe_unused]] ") + "double* const* out, " + (e.uses_ws ? "" : "[[maybe_unused]] ") +
         "double* ws) {\n";
  src += e.out;
  src += "}\n";
  return src;
}

}  // namespace kinase::ir
