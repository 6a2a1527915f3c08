// Copying, activity, free values and the op partials emitted through the tracer.
#include "common.hpp"

#include <algorithm>
#include <utility>

#include "kinase/core/error.hpp"
#include "kinase/ir/op_index.hpp"
#include "kinase/ir/tracer.hpp"

namespace kinase::ir::detail {

void Copier::copy_stashes() {
  for (const StashInfo& s : src.stashes) stash_map.push_back(b.add_stash(s.lo, s.count, s.width));
}

void Copier::copy(ValueId v) {
  const Inst& in = src[v];
  auto a = [&](std::size_t k) { return m(in.operands[k]); };
  switch (in.kind) {
    case Kind::Const:
      map[v] = b.constant(in.number);
      break;
    case Kind::IndexConst:
      map[v] = in.type == Type::Bool ? b.bool_constant(in.integer != 0) : b.index_constant(in.integer);
      break;
    case Kind::Load:
      map[v] = b.load(in.array, a(0));
      break;
    case Kind::Store:
      b.store(in.array, a(0), a(1));
      break;
    case Kind::Accum:
      b.accum(in.array, a(0), a(1));
      break;
    case Kind::Math: {
      ValueId args[2] = {a(0), in.operands.size() > 1 ? a(1) : no_value};
      map[v] = b.math(in.op, std::span<const ValueId>(args, in.operands.size()), in.integer);
      break;
    }
    case Kind::Compare:
      map[v] = b.compare(static_cast<Cmp>(in.aux), a(0), a(1));
      break;
    case Kind::Not:
      map[v] = b.logical_not(a(0));
      break;
    case Kind::And:
      map[v] = b.logical_and(a(0), a(1));
      break;
    case Kind::Or:
      map[v] = b.logical_or(a(0), a(1));
      break;
    case Kind::Select:
      map[v] = b.select(a(0), a(1), a(2), in.aux == 1);
      break;
    case Kind::IndexAdd:
      map[v] = b.index_add(a(0), a(1));
      break;
    case Kind::IndexSub:
      map[v] = b.index_sub(a(0), a(1));
      break;
    case Kind::IndexMul:
      map[v] = b.index_mul(a(0), a(1));
      break;
    case Kind::Guard:
      b.guard(a(0), in.integer != 0, src.guards[in.aux]);
      break;
    case Kind::StashStore:
      b.stash_store(stash_map[in.array], a(0), in.aux, a(1));
      break;
    case Kind::StashLoad:
      map[v] = b.stash_load(stash_map[in.array], a(0), in.aux);
      break;
    case Kind::Param:
    case Kind::Loop:
    case Kind::LoopResult:
      throw Error("kinase::ir: internal: Copier::copy was given a loop instruction");
  }
}

std::unordered_map<ValueId, std::vector<std::vector<ValueId>>> Copier::results_of() const {
  std::unordered_map<ValueId, std::vector<std::vector<ValueId>>> r;
  for (ValueId v = 0; v < src.insts.size(); ++v) {
    const Inst& in = src[v];
    if (in.kind == Kind::Loop) r[v].resize(in.operands.size());
  }
  for (ValueId v = 0; v < src.insts.size(); ++v) {
    const Inst& in = src[v];
    if (in.kind == Kind::LoopResult) r[in.operands[0]][in.aux].push_back(v);
  }
  return r;
}

namespace {
void activity_region(const Function& f, std::int32_t r, std::span<const char> inputs, std::vector<char>& act) {
  for (ValueId v : f.regions[static_cast<std::size_t>(r)].body) {
    const Inst& in = f[v];
    auto any = [&](std::size_t from, std::size_t to) {
      for (std::size_t k = from; k < to && k < in.operands.size(); ++k)
        if (act[in.operands[k]]) return true;
      return false;
    };
    switch (in.kind) {
      case Kind::Load:
        act[v] = inputs[in.array];
        break;
      case Kind::Math:
        act[v] = any(0, 2);
        break;
      case Kind::Select:
        act[v] = any(1, 3);
        break;
      case Kind::StashLoad:
        act[v] = 1;
        break;  // conservative: a stash holds carried values
      case Kind::LoopResult:
        act[v] = act[f.regions[static_cast<std::size_t>(f[in.operands[0]].region)].params[in.aux + 1]];
        break;
      case Kind::Loop: {
        const Region& body = f.regions[static_cast<std::size_t>(in.region)];
        for (std::size_t k = 0; k < in.operands.size(); ++k)
          if (act[in.operands[k]]) act[body.params[k + 1]] = 1;
        for (;;) {
          activity_region(f, in.region, inputs, act);
          bool changed = false;
          for (std::size_t k = 0; k < body.yields.size(); ++k)
            if (act[body.yields[k]] && !act[body.params[k + 1]]) act[body.params[k + 1]] = 1, changed = true;
          if (!changed) break;
        }
        break;
      }
      default:
        break;
    }
  }
}

void defined_in(const Function& f, std::int32_t r, std::vector<char>& def) {
  const Region& reg = f.regions[static_cast<std::size_t>(r)];
  for (ValueId p : reg.params) def[p] = 1;
  for (ValueId v : reg.body) {
    def[v] = 1;
    if (f[v].kind == Kind::Loop) defined_in(f, f[v].region, def);
  }
}

void uses_in(const Function& f, std::int32_t r, const std::vector<char>& def, std::vector<char>& seen,
             std::vector<ValueId>& out) {
  const Region& reg = f.regions[static_cast<std::size_t>(r)];
  auto use = [&](ValueId o) {
    if (!def[o] && !seen[o] && f[o].type == Type::Real) {
      seen[o] = 1;
      out.push_back(o);
    }
  };
  for (ValueId v : reg.body) {
    for (ValueId o : f[v].operands) use(o);
    if (f[v].kind == Kind::Loop) uses_in(f, f[v].region, def, seen, out);
  }
  for (ValueId y : reg.yields) use(y);
}
}  // namespace

std::vector<char> activity(const Function& f, std::span<const char> active_inputs) {
  std::vector<char> act(f.insts.size(), 0);
  activity_region(f, 0, active_inputs, act);
  return act;
}

std::vector<ValueId> free_reals(const Function& f, std::int32_t r) {
  std::vector<char> def(f.insts.size(), 0), seen(f.insts.size(), 0);
  defined_in(f, r, def);
  std::vector<ValueId> out;
  uses_in(f, r, def, seen, out);
  return out;
}

namespace {

template <class Op, int I>
Partial partial_of(Builder& b, std::span<const ValueId> args, ValueId r, std::int64_t param) {
  Explorer e;
  TraceScope scope(b, &e);
  auto call = [&]() {
    if constexpr (has_int_param_v<Op>)
      return Op::template partial<I>(Traced::from_id(args[0]), static_cast<int>(param), Traced::from_id(r));
    else if constexpr (Op::arity == 1)
      return Op::template partial<I>(Traced::from_id(args[0]), Traced::from_id(r));
    else
      return Op::template partial<I>(Traced::from_id(args[0]), Traced::from_id(args[1]), Traced::from_id(r));
  };
  using P = std::remove_cvref_t<decltype(call())>;
  if constexpr (std::is_same_v<P, ops::One>) {
    return Partial{Partial::One};
  } else if constexpr (std::is_same_v<P, ops::MinusOne>) {
    return Partial{Partial::MinusOne};
  } else if constexpr (std::is_same_v<P, ops::Zero>) {
    return Partial{Partial::Zero};
  } else {
    const ValueId v = e.run([&] { return Traced(call()).id(); });
    const Inst& in = b.function()[v];
    if (in.kind == Kind::Const && in.number == 0) return Partial{Partial::Zero};
    if (in.kind == Kind::Const && in.number == 1) return Partial{Partial::One};
    if (in.kind == Kind::Const && in.number == -1) return Partial{Partial::MinusOne};
    return Partial{Partial::Value, v, ops::finite_partials<Op>};
  }
}

}  // namespace

std::vector<Partial> partials(Builder& b, const Inst& in, std::span<const ValueId> args, ValueId r) {
  std::vector<Partial> out;
  const std::int64_t param = in.integer;
  visit_op(in.op, [&]<class Op>(std::type_identity<Op>) {
    [&]<int... I>(std::integer_sequence<int, I...>) { (out.push_back(partial_of<Op, I>(b, args, r, param)), ...); }
    (std::make_integer_sequence<int, Op::arity>{});
  });
  return out;
}

ValueId scale(Builder& b, const Partial& p, ValueId t, bool strong_zero_all) {
  switch (p.kind) {
    case Partial::Zero:
      return no_value;
    case Partial::One:
      return t;
    case Partial::MinusOne:
      return b.neg(t);
    case Partial::Value: {
      const ValueId product = b.mul(p.v, t);
      if (p.finite && !strong_zero_all) return product;
      const ValueId zero = b.constant(0.0);
      return b.select(b.compare(Cmp::Eq, t, zero), zero, product, true);
    }
  }
  return no_value;
}

}  // namespace kinase::ir::detail
