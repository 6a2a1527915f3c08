// The builder: emission with folding, IEEE-exact identities and CSE, and evaluation on the example arguments.
#include "kinase/ir/builder.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "evaluator.hpp"
#include "kinase/core/error.hpp"

namespace kinase::ir {

namespace {

struct Key {
  Kind kind;
  Type type;
  std::uint16_t op;
  std::uint32_t array, aux;
  std::int64_t integer, aux2;
  std::uint64_t number;
  std::uint32_t nops;
  ValueId ops[3];
  bool operator==(const Key& o) const {
    return kind == o.kind && type == o.type && op == o.op && array == o.array && aux == o.aux && integer == o.integer &&
           aux2 == o.aux2 && number == o.number && nops == o.nops && ops[0] == o.ops[0] && ops[1] == o.ops[1] &&
           ops[2] == o.ops[2];
  }
};

struct KeyHash {
  std::size_t operator()(const Key& k) const {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&](std::uint64_t x) { h = (h ^ x) * 1099511628211ull; };
    mix(static_cast<std::uint64_t>(k.kind) | (static_cast<std::uint64_t>(k.type) << 8) |
        (static_cast<std::uint64_t>(k.op) << 16));
    mix(k.array);
    mix(k.aux);
    mix(static_cast<std::uint64_t>(k.integer));
    mix(static_cast<std::uint64_t>(k.aux2));
    mix(k.number);
    for (std::uint32_t i = 0; i < k.nops; ++i) mix(k.ops[i]);
    return static_cast<std::size_t>(h);
  }
};

bool pure(Kind k) {
  switch (k) {
    case Kind::Store:
    case Kind::Accum:
    case Kind::Guard:
    case Kind::Loop:
    case Kind::StashStore:
    case Kind::StashLoad:  // a later store may change what it reads
    case Kind::Param:
      return false;
    default:
      return true;
  }
}

std::uint16_t op_number(const char* name) {
  const int i = find_op(name);
  if (i < 0) throw Error(std::string("kinase::ir: the op table has no ") + name);
  return static_cast<std::uint16_t>(i);
}

}  // namespace

struct Builder::Cse {
  std::vector<std::unordered_map<Key, ValueId, KeyHash>> maps{1};
};

Builder::Builder(Function& f, bool evaluate, std::vector<std::span<const double>> example_inputs)
    : f_(f), evaluate_(evaluate), examples_(std::move(example_inputs)), cse_(std::make_unique<Cse>()) {
  region_of_.assign(f_.insts.size(), 0);
  for (std::size_t r = 0; r < f_.regions.size(); ++r) {
    for (ValueId v : f_.regions[r].body) region_of_[v] = static_cast<std::int32_t>(r);
    for (ValueId v : f_.regions[r].params) region_of_[v] = static_cast<std::int32_t>(r);
  }
  ranges_.assign(f_.insts.size(), {0, 0});
  add_ = op_number("add");
  sub_ = op_number("sub");
  mul_ = op_number("mul");
  neg_ = op_number("neg");
}

Builder::~Builder() = default;

bool Builder::known(ValueId v) const { return evaluate_ && v < region_of_.size() && region_of_[v] == 0; }

double Builder::value(ValueId v) {
  if (!known(v)) throw Error("kinase::ir: value %" + std::to_string(v) + " has no example value");
  if (values_.size() < f_.insts.size()) values_.resize(f_.insts.size() + f_.insts.size() / 2 + 16);
  std::vector<const double*> inputs;
  for (const auto& s : examples_) inputs.push_back(s.data());
  detail::Evaluator e{f_, values_, inputs, {}, nullptr};
  const auto& body = f_.regions[0].body;
  while (evaluated_ < body.size() && body[evaluated_] <= v) e.eval(body[evaluated_++]);
  return values_[v];
}

std::pair<std::int64_t, std::int64_t> Builder::range(ValueId v) const {
  if (f_.insts[v].kind == Kind::IndexConst) return {f_.insts[v].integer, f_.insts[v].integer};
  return v < ranges_.size() ? ranges_[v] : std::pair<std::int64_t, std::int64_t>{0, 0};
}

void Builder::set_range(ValueId v, std::int64_t lo, std::int64_t hi) {
  if (ranges_.size() <= v) ranges_.resize(v + 1, {0, 0});
  ranges_[v] = {lo, hi};
}

void Builder::check_index(ValueId index, std::size_t size, const std::string& what) const {
  const auto [lo, hi] = range(index);
  if (lo > hi) return;  // inside a loop that never runs
  if (lo < 0 || hi >= static_cast<std::int64_t>(size))
    throw Error("kinase::compile: " + what + " is indexed at positions " + std::to_string(lo) + " to " +
                std::to_string(hi) + " (from the loop bounds), outside its " + std::to_string(size) + " elements");
}

ValueId Builder::fold(const Inst& in) {
  auto is_const = [&](ValueId v, double* c = nullptr) {
    const Inst& o = f_.insts[v];
    if (o.kind != Kind::Const) return false;
    if (c) *c = o.number;
    return true;
  };
  auto is_iconst = [&](ValueId v, std::int64_t* c = nullptr) {
    const Inst& o = f_.insts[v];
    if (o.kind != Kind::IndexConst) return false;
    if (c) *c = o.integer;
    return true;
  };
  const auto& a = in.operands;
  switch (in.kind) {
    case Kind::Math: {
      bool all = true;
      double c[2] = {0, 0};
      for (std::size_t k = 0; k < a.size(); ++k) all = all && is_const(a[k], &c[k]);
      if (all) return constant(eval_op(in.op, std::span<const double>(c, a.size()), in.integer));
      double x = 0;
      if (in.op == add_) {
        // x + 0 = x (for x = −0 this gives −0 where IEEE gives +0: the only difference, and it carries no
        // derivative)
        if (is_const(a[1], &x) && x == 0) return a[0];
        if (is_const(a[0], &x) && x == 0) return a[1];
      } else if (in.op == sub_) {
        if (is_const(a[1], &x) && x == 0) return a[0];
        // 0 − y = −y, except for the sign of a zero result (as for x + 0 above)
        if (is_const(a[0], &x) && x == 0 && !std::signbit(x)) return neg(a[1]);
      } else if (in.op == mul_) {
        if (is_const(a[1], &x) && x == 1) return a[0];
        if (is_const(a[0], &x) && x == 1) return a[1];
        if (is_const(a[1], &x) && x == -1) return neg(a[0]);
        if (is_const(a[0], &x) && x == -1) return neg(a[1]);
      } else if (in.op == neg_) {
        const Inst& o = f_.insts[a[0]];
        if (o.kind == Kind::Math && o.op == neg_) return o.operands[0];
      } else if (ops_table()[in.op].name == std::string_view("div")) {
        if (is_const(a[1], &x) && x == 1) return a[0];
      }
      return no_value;
    }
    case Kind::Select: {
      std::int64_t c = 0;
      if (f_.insts[a[0]].kind == Kind::IndexConst && is_iconst(a[0], &c)) return c ? a[1] : a[2];
      if (a[1] == a[2]) return a[1];
      return no_value;
    }
    case Kind::Compare: {
      double x = 0, y = 0;
      if (is_const(a[0], &x) && is_const(a[1], &y)) {
        std::vector<double> vals{x, y, 0};
        Function tmp;
        tmp.insts = {Inst{}, Inst{}, in};
        tmp.insts[2].operands = {0, 1};
        detail::Evaluator e{tmp, vals, {}, {}, nullptr};
        e.eval(2);
        Inst b;
        b.kind = Kind::IndexConst;
        b.type = Type::Bool;
        b.integer = vals[2] != 0;
        return emit(b);
      }
      return no_value;
    }
    case Kind::Not:
    case Kind::And:
    case Kind::Or: {
      std::int64_t x = 0, y = 0;
      const bool cx = is_iconst(a[0], &x);
      const bool cy = a.size() > 1 && is_iconst(a[1], &y);
      Inst b;
      b.kind = Kind::IndexConst;
      b.type = Type::Bool;
      if (in.kind == Kind::Not && cx) return b.integer = !x, emit(b);
      if (in.kind == Kind::And) {
        if (cx && cy) return b.integer = x && y, emit(b);
        if (cx) return x ? a[1] : a[0];
        if (cy) return y ? a[0] : a[1];
      }
      if (in.kind == Kind::Or) {
        if (cx && cy) return b.integer = x || y, emit(b);
        if (cx) return x ? a[0] : a[1];
        if (cy) return y ? a[1] : a[0];
      }
      return no_value;
    }
    case Kind::IndexAdd:
    case Kind::IndexSub:
    case Kind::IndexMul: {
      std::int64_t x = 0, y = 0;
      const bool cx = is_iconst(a[0], &x), cy = is_iconst(a[1], &y);
      if (cx && cy)
        return index_constant(in.kind == Kind::IndexAdd ? x + y : in.kind == Kind::IndexSub ? x - y : x * y);
      if (in.kind == Kind::IndexAdd && cy && y == 0) return a[0];
      if (in.kind == Kind::IndexAdd && cx && x == 0) return a[1];
      if (in.kind == Kind::IndexSub && cy && y == 0) return a[0];
      if (in.kind == Kind::IndexMul && cy && y == 1) return a[0];
      if (in.kind == Kind::IndexMul && cx && x == 1) return a[1];
      return no_value;
    }
    default:
      return no_value;
  }
}

bool Builder::visible(ValueId v) const {
  if (v >= region_of_.size()) return v < f_.insts.size();  // values of a function built before this builder
  return std::find(stack_.begin(), stack_.end(), region_of_[v]) != stack_.end();
}

ValueId Builder::emit(Inst in) {
  for (ValueId o : in.operands)
    if (!visible(o))
      throw Error(
          "kinase::compile: a value computed inside a kinase::for_range body is used after the loop (or in "
          "another loop); return it from the body as a carried value instead");
  if (simplify_) {
    const ValueId folded = fold(in);
    if (folded != no_value) return folded;
  }
  Key key{};
  const bool cse = simplify_ && pure(in.kind) && in.operands.size() <= 3;
  if (cse) {
    key = Key{in.kind,
              in.type,
              in.op,
              in.array,
              in.aux,
              in.integer,
              in.aux2,
              std::bit_cast<std::uint64_t>(in.number),
              static_cast<std::uint32_t>(in.operands.size()),
              {no_value, no_value, no_value}};
    for (std::size_t k = 0; k < in.operands.size(); ++k) key.ops[k] = in.operands[k];
    for (auto m = cse_->maps.rbegin(); m != cse_->maps.rend(); ++m) {
      const auto it = m->find(key);
      if (it != m->end()) return it->second;
    }
  }
  const auto id = static_cast<ValueId>(f_.insts.size());
  if (id == no_value) throw Error("kinase::ir: the function has too many instructions");
  const Kind kind = in.kind;
  std::pair<std::int64_t, std::int64_t> r{0, 0};
  if (kind == Kind::IndexAdd || kind == Kind::IndexSub || kind == Kind::IndexMul) {
    const auto a = range(in.operands[0]), b = range(in.operands[1]);
    if (a.first > a.second || b.first > b.second)
      r = {1, 0};  // empty: a loop that never runs
    else if (kind == Kind::IndexAdd)
      r = {a.first + b.first, a.second + b.second};
    else if (kind == Kind::IndexSub)
      r = {a.first - b.second, a.second - b.first};
    else {
      const std::int64_t c[] = {a.first * b.first, a.first * b.second, a.second * b.first, a.second * b.second};
      r = {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
    }
  }
  f_.insts.push_back(std::move(in));
  f_.regions[static_cast<std::size_t>(stack_.back())].body.push_back(id);
  region_of_.push_back(stack_.back());
  set_range(id, r.first, r.second);
  if (cse) cse_->maps.back().emplace(key, id);
  return id;
}

ValueId Builder::constant(double c) {
  Inst in;
  in.kind = Kind::Const;
  in.number = c;
  return emit(in);
}

ValueId Builder::index_constant(std::int64_t c) {
  Inst in;
  in.kind = Kind::IndexConst;
  in.type = Type::Index;
  in.integer = c;
  return emit(in);
}

ValueId Builder::bool_constant(bool c) {
  Inst in;
  in.kind = Kind::IndexConst;
  in.type = Type::Bool;
  in.integer = c ? 1 : 0;
  return emit(in);
}

ValueId Builder::load(std::uint32_t input, ValueId index) {
  check_index(index, f_.inputs[input].size, "input `" + f_.inputs[input].name + "`");
  Inst in;
  in.kind = Kind::Load;
  in.array = input;
  in.operands = {index};
  return emit(in);
}

void Builder::store(std::uint32_t output, ValueId index, ValueId v) {
  check_index(index, f_.outputs[output].size, "output `" + f_.outputs[output].name + "`");
  Inst in;
  in.kind = Kind::Store;
  in.type = Type::None;
  in.array = output;
  in.operands = {index, v};
  emit(in);
}

void Builder::accum(std::uint32_t output, ValueId index, ValueId v) {
  check_index(index, f_.outputs[output].size, "output `" + f_.outputs[output].name + "`");
  Inst in;
  in.kind = Kind::Accum;
  in.type = Type::None;
  in.array = output;
  in.operands = {index, v};
  emit(in);
}

ValueId Builder::math(std::uint16_t op, std::span<const ValueId> args, std::int64_t param) {
  Inst in;
  in.kind = Kind::Math;
  in.op = op;
  in.integer = param;
  in.operands.assign(args.begin(), args.end());
  return emit(in);
}

ValueId Builder::compare(Cmp c, ValueId a, ValueId b) {
  Inst in;
  in.kind = Kind::Compare;
  in.type = Type::Bool;
  in.aux = static_cast<std::uint32_t>(c);
  in.operands = {a, b};
  return emit(in);
}

ValueId Builder::logical_not(ValueId a) {
  Inst in;
  in.kind = Kind::Not;
  in.type = Type::Bool;
  in.operands = {a};
  return emit(in);
}

ValueId Builder::logical_and(ValueId a, ValueId b) {
  Inst in;
  in.kind = Kind::And;
  in.type = Type::Bool;
  in.operands = {a, b};
  return emit(in);
}

ValueId Builder::logical_or(ValueId a, ValueId b) {
  Inst in;
  in.kind = Kind::Or;
  in.type = Type::Bool;
  in.operands = {a, b};
  return emit(in);
}

ValueId Builder::select(ValueId c, ValueId a, ValueId b, bool strong_zero) {
  Inst in;
  in.kind = Kind::Select;
  in.aux = strong_zero ? 1 : 0;
  in.operands = {c, a, b};
  return emit(in);
}

namespace {
Inst index_op(Kind k, ValueId a, ValueId b) {
  Inst in;
  in.kind = k;
  in.type = Type::Index;
  in.operands = {a, b};
  return in;
}
}  // namespace

ValueId Builder::index_add(ValueId a, ValueId b) { return emit(index_op(Kind::IndexAdd, a, b)); }
ValueId Builder::index_sub(ValueId a, ValueId b) { return emit(index_op(Kind::IndexSub, a, b)); }
ValueId Builder::index_mul(ValueId a, ValueId b) { return emit(index_op(Kind::IndexMul, a, b)); }

void Builder::guard(ValueId cond, bool expected, std::string what) {
  if (f_.insts[cond].kind == Kind::IndexConst) return;  // decided by constants: nothing to check
  Inst in;
  in.kind = Kind::Guard;
  in.type = Type::None;
  in.integer = expected ? 1 : 0;
  in.aux = static_cast<std::uint32_t>(f_.guards.size());
  in.operands = {cond};
  f_.guards.push_back(std::move(what));
  emit(in);
}

ValueId Builder::add(ValueId a, ValueId b) {
  const ValueId ids[] = {a, b};
  return math(add_, ids);
}
ValueId Builder::sub(ValueId a, ValueId b) {
  const ValueId ids[] = {a, b};
  return math(sub_, ids);
}
ValueId Builder::mul(ValueId a, ValueId b) {
  const ValueId ids[] = {a, b};
  return math(mul_, ids);
}
ValueId Builder::neg(ValueId a) {
  const ValueId ids[] = {a};
  return math(neg_, ids);
}

Builder::LoopFrame Builder::begin_loop(std::int64_t lo, std::int64_t hi, bool reversed, std::span<const ValueId> init) {
  LoopFrame frame;
  Inst in;
  in.kind = Kind::Loop;
  in.type = Type::None;
  in.integer = lo;
  in.aux2 = hi < lo ? lo : hi;
  in.reversed = reversed;
  in.operands.assign(init.begin(), init.end());
  const auto region = static_cast<std::int32_t>(f_.regions.size());
  in.region = region;
  f_.regions.push_back(Region{});
  f_.regions.back().parent = stack_.back();
  const auto id = static_cast<ValueId>(f_.insts.size());
  const std::int64_t last = in.aux2 - 1;
  f_.insts.push_back(std::move(in));
  f_.regions[static_cast<std::size_t>(stack_.back())].body.push_back(id);
  region_of_.push_back(stack_.back());
  set_range(id, 0, 0);
  for (std::size_t k = 0; k <= init.size(); ++k) {
    Inst p;
    p.kind = Kind::Param;
    p.type = k == 0 ? Type::Index : Type::Real;
    p.aux = static_cast<std::uint32_t>(k);
    const auto pid = static_cast<ValueId>(f_.insts.size());
    f_.insts.push_back(std::move(p));
    f_.regions[static_cast<std::size_t>(region)].params.push_back(pid);
    region_of_.push_back(region);
    if (k == 0)
      set_range(pid, lo, last);  // empty (lo > last) when the loop never runs
    else
      set_range(pid, 0, 0);
    frame.params.push_back(pid);
  }
  stack_.push_back(region);
  cse_->maps.emplace_back();
  frame.loop = id;
  frame.region = region;
  return frame;
}

std::vector<ValueId> Builder::end_loop(const LoopFrame& frame, std::span<const ValueId> yields) {
  if (stack_.back() != frame.region) throw Error("kinase::ir: loops must be closed in the order they were opened");
  f_.regions[static_cast<std::size_t>(frame.region)].yields.assign(yields.begin(), yields.end());
  stack_.pop_back();
  cse_->maps.pop_back();
  std::vector<ValueId> results;
  for (std::size_t k = 0; k < yields.size(); ++k) {
    Inst r;
    r.kind = Kind::LoopResult;
    r.aux = static_cast<std::uint32_t>(k);
    r.operands = {frame.loop};
    results.push_back(emit(r));
  }
  return results;
}

std::uint32_t Builder::add_stash(std::int64_t lo, std::int64_t count, std::uint32_t width) {
  StashInfo s{lo, count, width, f_.workspace_size};
  f_.workspace_size += static_cast<std::size_t>(count) * width;
  f_.stashes.push_back(s);
  return static_cast<std::uint32_t>(f_.stashes.size() - 1);
}

void Builder::stash_store(std::uint32_t stash, ValueId counter, std::uint32_t slot, ValueId v) {
  Inst in;
  in.kind = Kind::StashStore;
  in.type = Type::None;
  in.array = stash;
  in.aux = slot;
  in.operands = {counter, v};
  emit(in);
}

ValueId Builder::stash_load(std::uint32_t stash, ValueId counter, std::uint32_t slot) {
  Inst in;
  in.kind = Kind::StashLoad;
  in.array = stash;
  in.aux = slot;
  in.operands = {counter};
  return emit(in);
}

}  // namespace kinase::ir
