// jvp and vjp: forward and reverse mode on the IR, from the op rules.
#include <string>
#include <unordered_map>
#include <utility>

#include "common.hpp"
#include "kinase/core/error.hpp"
#include "kinase/ir/passes.hpp"

namespace kinase::ir {

namespace {

using detail::Copier;
using detail::Partial;

void check_active(const Function& f, std::span<const char> active, const char* pass) {
  if (active.size() != f.inputs.size())
    throw Error(std::string("kinase::ir::") + pass + ": `active` has " + std::to_string(active.size()) +
                " entries; the function has " + std::to_string(f.inputs.size()) + " inputs");
}

// --- jvp --------------------------------------------------------------------------------------------------------

struct Jvp : Copier {
  int lanes;
  std::vector<char> act;
  std::vector<std::vector<ValueId>> tan;     // tan[lane][src value]
  std::vector<std::uint32_t> input_tangent;  // src input → first tangent input (lanes follow)
  std::vector<std::uint32_t> output_tangent;
  std::vector<std::vector<std::uint32_t>> stash_tangent;           // src stash → one buffer per lane
  std::unordered_map<ValueId, std::vector<ValueId>> loop_results;  // src loop → dst results
  ValueId zero_ = no_value;

  Jvp(const Function& s, Builder& builder, int l) : Copier(s, builder), lanes(l), tan(static_cast<std::size_t>(l)) {
    for (auto& t : tan) t.assign(s.insts.size(), no_value);
  }
  ValueId zero() { return b.constant(0.0); }
  ValueId or_zero(ValueId v) { return v == no_value ? zero() : v; }

  void region(std::int32_t r) {
    for (ValueId v : src.regions[static_cast<std::size_t>(r)].body) inst(v);
  }

  void inst(ValueId v) {
    const Inst& in = src[v];
    const auto L = static_cast<std::size_t>(lanes);
    if (in.kind == Kind::Loop) return loop(v);
    if (in.kind == Kind::LoopResult) {
      const auto& res = loop_results.at(in.operands[0]);
      const std::size_t nc = src[in.operands[0]].operands.size();
      map[v] = res[in.aux];
      for (std::size_t l = 0; l < L; ++l)
        tan[l][v] = res[nc + l * nc + in.aux] == no_value ? no_value : res[nc + l * nc + in.aux];
      return;
    }
    copy(v);
    switch (in.kind) {
      case Kind::Load:
        if (act[v])
          for (std::size_t l = 0; l < L; ++l)
            tan[l][v] = b.load(input_tangent[in.array] + static_cast<std::uint32_t>(l), m(in.operands[0]));
        break;
      case Kind::Store:
      case Kind::Accum:
        for (std::size_t l = 0; l < L; ++l) {
          const std::uint32_t out = output_tangent[in.array] + static_cast<std::uint32_t>(l);
          const ValueId t = tan[l][in.operands[1]];
          if (in.kind == Kind::Store)
            b.store(out, m(in.operands[0]), or_zero(t));
          else if (t != no_value)
            b.accum(out, m(in.operands[0]), t);
        }
        break;
      case Kind::Math: {
        if (!act[v]) break;
        std::vector<ValueId> args;
        for (ValueId o : in.operands) args.push_back(m(o));
        const std::vector<Partial> p = detail::partials(b, in, args, m(v));
        for (std::size_t l = 0; l < L; ++l) {
          ValueId sum = no_value;
          for (std::size_t k = 0; k < in.operands.size(); ++k) {
            const ValueId t = tan[l][in.operands[k]];
            if (t == no_value) continue;
            const ValueId c = detail::scale(b, p[k], t);
            if (c == no_value) continue;
            sum = sum == no_value ? c : b.add(sum, c);
          }
          tan[l][v] = sum;
        }
        break;
      }
      case Kind::Select:
        for (std::size_t l = 0; l < L; ++l) {
          const ValueId ta = tan[l][in.operands[1]], tb = tan[l][in.operands[2]];
          if (ta == no_value && tb == no_value) continue;
          ValueId cond = m(in.operands[0]);
          if (in.aux == 1) {
            // select(t == 0, 0, p·t) from the strong-zero rule: 0 only where t is a zero of every order here, as
            // the tape skips an adjoint only when all of its Dual's components are 0.
            const ValueId t = src[in.operands[0]].operands[0];
            if (tan[l][t] != no_value) cond = b.logical_and(cond, b.compare(Cmp::Eq, tan[l][t], zero()));
          }
          tan[l][v] = b.select(cond, or_zero(ta), or_zero(tb));
        }
        break;
      case Kind::StashStore:
        for (std::size_t l = 0; l < L; ++l)
          b.stash_store(stash_tangent[in.array][l], m(in.operands[0]), in.aux, or_zero(tan[l][in.operands[1]]));
        break;
      case Kind::StashLoad:
        for (std::size_t l = 0; l < L; ++l)
          tan[l][v] = b.stash_load(stash_tangent[in.array][l], m(in.operands[0]), in.aux);
        break;
      default:
        break;
    }
  }

  void loop(ValueId v) {
    const Inst& in = src[v];
    const Region& body = src.regions[static_cast<std::size_t>(in.region)];
    const std::size_t nc = in.operands.size(), L = static_cast<std::size_t>(lanes);
    std::vector<ValueId> init;
    for (ValueId o : in.operands) init.push_back(m(o));
    // Every active carry has a tangent per lane; an inactive one carries a zero that the builder folds away.
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t k = 0; k < nc; ++k) init.push_back(or_zero(tan[l][in.operands[k]]));
    const auto frame = b.begin_loop(in.integer, in.aux2, in.reversed, init);
    map[body.params[0]] = frame.params[0];
    for (std::size_t k = 0; k < nc; ++k) {
      map[body.params[k + 1]] = frame.params[k + 1];
      for (std::size_t l = 0; l < L; ++l)
        tan[l][body.params[k + 1]] = act[body.params[k + 1]] ? frame.params[1 + nc + l * nc + k] : no_value;
    }
    region(in.region);
    std::vector<ValueId> yields;
    for (ValueId y : body.yields) yields.push_back(m(y));
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t k = 0; k < nc; ++k) yields.push_back(or_zero(tan[l][body.yields[k]]));
    auto results = b.end_loop(frame, yields);
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t k = 0; k < nc; ++k)
        if (!act[body.params[k + 1]]) results[nc + l * nc + k] = no_value;
    loop_results[v] = std::move(results);
  }
};

// --- vjp --------------------------------------------------------------------------------------------------------

struct Vjp : Copier {
  static constexpr std::size_t max_carried_frees = 8;
  bool primal_outputs = true;
  bool strong_zero_all = false;
  std::vector<char> act;
  std::vector<ValueId> adj;                  // src value → its adjoint in the destination
  std::vector<std::uint32_t> cotangent;      // src output → the input holding its cotangent
  std::vector<std::int64_t> adjoint_output;  // src input → the output receiving its adjoint, or −1
  std::unordered_map<ValueId, std::uint32_t> loop_stash;
  std::unordered_map<ValueId, std::vector<ValueId>> loop_results;
  std::unordered_map<ValueId, std::vector<std::vector<ValueId>>> results;

  Vjp(const Function& s, Builder& builder) : Copier(s, builder), adj(s.insts.size(), no_value), results(results_of()) {}

  ValueId zero() { return b.constant(0.0); }
  void add_adj(ValueId v, ValueId c) {
    if (c == no_value || !act[v]) return;
    adj[v] = adj[v] == no_value ? c : b.add(adj[v], c);
  }

  void forward(std::int32_t r, bool stash) {
    for (ValueId v : src.regions[static_cast<std::size_t>(r)].body) {
      const Inst& in = src[v];
      if (in.kind == Kind::Loop)
        forward_loop(v, stash);
      else if (in.kind == Kind::LoopResult)
        map[v] = loop_results.at(in.operands[0])[in.aux];
      else if (primal_outputs || (in.kind != Kind::Store && in.kind != Kind::Accum))
        copy(v);
    }
  }

  void forward_loop(ValueId v, bool stash) {
    const Inst& in = src[v];
    const Region& body = src.regions[static_cast<std::size_t>(in.region)];
    const std::size_t nc = in.operands.size();
    std::vector<ValueId> init;
    for (ValueId o : in.operands) init.push_back(m(o));
    const auto frame = b.begin_loop(in.integer, in.aux2, in.reversed, init);
    for (std::size_t k = 0; k <= nc; ++k) map[body.params[k]] = frame.params[k];
    if (stash && nc > 0) {
      const std::uint32_t s = b.add_stash(in.integer, in.aux2 - in.integer, static_cast<std::uint32_t>(nc));
      loop_stash[v] = s;
      for (std::size_t k = 0; k < nc; ++k)
        b.stash_store(s, frame.params[0], static_cast<std::uint32_t>(k), frame.params[k + 1]);
    }
    forward(in.region, false);
    std::vector<ValueId> yields;
    for (ValueId y : body.yields) yields.push_back(m(y));
    loop_results[v] = b.end_loop(frame, yields);
  }

  void reverse(std::int32_t r) {
    const auto& body = src.regions[static_cast<std::size_t>(r)].body;
    for (auto it = body.rbegin(); it != body.rend(); ++it) {
      const ValueId v = *it;
      const Inst& in = src[v];
      switch (in.kind) {
        case Kind::Store:
        case Kind::Accum:
          add_adj(in.operands[1], b.load(cotangent[in.array], m(in.operands[0])));
          break;
        case Kind::Load:
          if (adjoint_output[in.array] >= 0 && adj[v] != no_value)
            b.accum(static_cast<std::uint32_t>(adjoint_output[in.array]), m(in.operands[0]), adj[v]);
          break;
        case Kind::Math: {
          if (adj[v] == no_value) break;
          std::vector<ValueId> args;
          for (ValueId o : in.operands) args.push_back(m(o));
          const std::vector<Partial> p = detail::partials(b, in, args, m(v));
          for (std::size_t k = 0; k < in.operands.size(); ++k)
            if (act[in.operands[k]]) add_adj(in.operands[k], detail::scale(b, p[k], adj[v], strong_zero_all));
          break;
        }
        case Kind::Select:
          if (adj[v] == no_value) break;
          add_adj(in.operands[1], b.select(m(in.operands[0]), adj[v], zero()));
          add_adj(in.operands[2], b.select(m(in.operands[0]), zero(), adj[v]));
          break;
        case Kind::StashStore:
        case Kind::StashLoad:
          throw Error(
              "kinase::ir::vjp: the function already holds a reverse pass (reverse over reverse); take "
              "second derivatives as jvp over vjp (kinase::hvp, kinase::hessian)");
        case Kind::Loop:
          reverse_loop(v);
          break;
        default:
          break;
      }
    }
  }

  void reverse_loop(ValueId v) {
    const Inst& in = src[v];
    const Region& body = src.regions[static_cast<std::size_t>(in.region)];
    const std::size_t nc = in.operands.size();
    // The active values from outside the loop that its body uses receive adjoint contributions on every
    // iteration. An input's element read outside the loop adds them to the input's adjoint in memory at the end of
    // each reverse iteration; a few computed values are carried by the reverse loop; many go to workspace slots.
    std::vector<ValueId> frees, loads;
    for (ValueId f : detail::free_reals(src, in.region)) {
      if (!act[f]) continue;
      if (src[f].kind == Kind::Load && adjoint_output[src[f].array] >= 0)
        loads.push_back(f);
      else
        frees.push_back(f);
    }
    std::vector<ValueId> slotted;
    if (frees.size() > max_carried_frees) slotted.swap(frees);
    const ValueId slot0 = b.index_constant(0);
    std::uint32_t slots = 0;
    if (!slotted.empty()) {
      slots = b.add_stash(0, 1, static_cast<std::uint32_t>(slotted.size()));
      for (std::size_t j = 0; j < slotted.size(); ++j)
        b.stash_store(slots, slot0, static_cast<std::uint32_t>(j), zero());
    }
    std::vector<ValueId> init;
    for (std::size_t k = 0; k < nc; ++k) {
      ValueId a = no_value;
      for (ValueId r : results.at(v)[k])
        if (adj[r] != no_value) a = a == no_value ? adj[r] : b.add(a, adj[r]);
      init.push_back(a == no_value ? zero() : a);
    }
    for (std::size_t j = 0; j < frees.size(); ++j) init.push_back(zero());
    const auto frame = b.begin_loop(in.integer, in.aux2, !in.reversed, init);
    // Recompute the body from the carried values the forward loop kept.
    map[body.params[0]] = frame.params[0];
    for (std::size_t k = 0; k < nc; ++k)
      map[body.params[k + 1]] = b.stash_load(loop_stash.at(v), frame.params[0], static_cast<std::uint32_t>(k));
    forward(in.region, true);
    std::vector<ValueId> saved;
    for (std::size_t j = 0; j < frees.size(); ++j) {
      saved.push_back(adj[frees[j]]);
      adj[frees[j]] = frame.params[1 + nc + j];
    }
    std::vector<ValueId> saved_outside;
    for (ValueId f : loads) saved_outside.push_back(std::exchange(adj[f], no_value));
    for (ValueId f : slotted) saved_outside.push_back(std::exchange(adj[f], no_value));
    // Seed the next iteration's carried adjoints (after the swaps: a yield may be a value from outside the loop).
    for (std::size_t k = 0; k < nc; ++k) add_adj(body.yields[k], frame.params[1 + k]);
    reverse(in.region);
    for (ValueId f : loads)
      if (adj[f] != no_value)
        b.accum(static_cast<std::uint32_t>(adjoint_output[src[f].array]), m(src[f].operands[0]), adj[f]);
    for (std::size_t j = 0; j < slotted.size(); ++j) {
      const ValueId a = adj[slotted[j]];
      const auto slot = static_cast<std::uint32_t>(j);
      if (a != no_value) b.stash_store(slots, slot0, slot, b.add(b.stash_load(slots, slot0, slot), a));
    }
    for (std::size_t j = 0; j < loads.size(); ++j) adj[loads[j]] = saved_outside[j];
    for (std::size_t j = 0; j < slotted.size(); ++j) adj[slotted[j]] = saved_outside[loads.size() + j];
    std::vector<ValueId> yields;
    for (std::size_t k = 0; k < nc; ++k) {
      const ValueId a = adj[body.params[k + 1]];
      yields.push_back(a == no_value ? zero() : a);
    }
    for (ValueId f : frees) yields.push_back(adj[f]);
    const auto res = b.end_loop(frame, yields);
    for (std::size_t j = 0; j < frees.size(); ++j) {
      adj[frees[j]] = saved[j];
      add_adj(frees[j], res[nc + j]);
    }
    for (std::size_t j = 0; j < slotted.size(); ++j)
      add_adj(slotted[j], b.stash_load(slots, slot0, static_cast<std::uint32_t>(j)));
    for (std::size_t k = 0; k < nc; ++k) add_adj(in.operands[k], res[k]);
  }
};

}  // namespace

Function jvp(const Function& f, std::span<const char> active, int lanes) {
  check_active(f, active, "jvp");
  if (lanes < 1) throw Error("kinase::ir::jvp: `lanes` must be at least 1");
  Function g;
  g.name = f.name + ".jvp";
  g.inputs = f.inputs;
  g.outputs = f.outputs;
  auto lane_name = [&](const std::string& n, int l) {
    return "d" + n + (lanes > 1 ? "." + std::to_string(l) : std::string());
  };
  std::vector<std::uint32_t> input_tangent(f.inputs.size(), 0), output_tangent(f.outputs.size(), 0);
  for (std::size_t a = 0; a < f.inputs.size(); ++a) {
    if (!active[a]) continue;
    input_tangent[a] = static_cast<std::uint32_t>(g.inputs.size());
    for (int l = 0; l < lanes; ++l) g.inputs.push_back({lane_name(f.inputs[a].name, l), f.inputs[a].size});
  }
  for (std::size_t o = 0; o < f.outputs.size(); ++o) {
    output_tangent[o] = static_cast<std::uint32_t>(g.outputs.size());
    for (int l = 0; l < lanes; ++l) g.outputs.push_back({lane_name(f.outputs[o].name, l), f.outputs[o].size});
  }
  {
    Builder b(g);
    Jvp pass(f, b, lanes);
    pass.act = detail::activity(f, active);
    pass.input_tangent = std::move(input_tangent);
    pass.output_tangent = std::move(output_tangent);
    pass.copy_stashes();
    for (const StashInfo& s : f.stashes) {
      pass.stash_tangent.emplace_back();
      for (int l = 0; l < lanes; ++l) pass.stash_tangent.back().push_back(b.add_stash(s.lo, s.count, s.width));
    }
    pass.region(0);
  }
  return simplify(g);
}

Function vjp(const Function& f, std::span<const char> active, bool primal_outputs, bool strong_zero_all) {
  check_active(f, active, "vjp");
  Function g;
  g.name = f.name + ".vjp";
  g.inputs = f.inputs;
  g.outputs = f.outputs;
  std::vector<std::uint32_t> cotangent;
  for (const ArrayInfo& o : f.outputs) {
    cotangent.push_back(static_cast<std::uint32_t>(g.inputs.size()));
    g.inputs.push_back({"bar_" + o.name, o.size});
  }
  std::vector<std::int64_t> adjoint_output(f.inputs.size(), -1);
  for (std::size_t a = 0; a < f.inputs.size(); ++a) {
    if (!active[a]) continue;
    adjoint_output[a] = static_cast<std::int64_t>(g.outputs.size());
    g.outputs.push_back({"bar_" + f.inputs[a].name, f.inputs[a].size});
  }
  {
    Builder b(g);
    Vjp pass(f, b);
    pass.primal_outputs = primal_outputs;
    pass.strong_zero_all = strong_zero_all;
    pass.act = detail::activity(f, active);
    pass.cotangent = std::move(cotangent);
    pass.adjoint_output = std::move(adjoint_output);
    pass.copy_stashes();
    pass.forward(0, true);
    pass.reverse(0);
  }
  return simplify(g);
}

}  // namespace kinase::ir
