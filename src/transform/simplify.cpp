// simplify: dead-code elimination, then a copy through the builder, which folds constants, applies the identities
// and shares common subexpressions. Stash buffers nothing reads are dropped with their stores.
#include <set>
#include <unordered_map>
#include <utility>

#include "common.hpp"
#include "kinase/ir/passes.hpp"

namespace kinase::ir {

namespace {

std::vector<char> liveness(const Function& f) {
  const std::size_t n = f.insts.size();
  std::vector<char> live(n, 0);
  std::vector<ValueId> owner(f.regions.size(), no_value);  // region → its Loop
  for (ValueId v = 0; v < n; ++v)
    if (f[v].kind == Kind::Loop) owner[static_cast<std::size_t>(f[v].region)] = v;
  std::vector<std::int32_t> region_of(n, 0);
  for (std::size_t r = 0; r < f.regions.size(); ++r) {
    for (ValueId v : f.regions[r].body) region_of[v] = static_cast<std::int32_t>(r);
    for (ValueId p : f.regions[r].params) region_of[p] = static_cast<std::int32_t>(r);
  }
  std::set<std::pair<std::uint32_t, std::uint32_t>> read_slots;
  for (ValueId v = 0; v < n; ++v) {
    const Kind k = f[v].kind;
    if (k == Kind::Store || k == Kind::Accum || k == Kind::Guard) live[v] = 1;
  }
  for (bool changed = true; changed;) {
    changed = false;
    auto mark = [&](ValueId o) {
      if (!live[o]) live[o] = 1, changed = true;
    };
    for (ValueId v = static_cast<ValueId>(n); v-- > 0;) {
      const Inst& in = f[v];
      if (!live[v] && in.kind == Kind::StashStore && read_slots.count({in.array, in.aux})) mark(v);
      if (!live[v]) continue;
      for (ValueId o : in.operands) mark(o);
      if (in.kind == Kind::StashLoad) read_slots.insert({in.array, in.aux});
      if (in.kind == Kind::LoopResult) mark(in.operands[0]);
      if (in.kind == Kind::Loop)
        for (ValueId y : f.regions[static_cast<std::size_t>(in.region)].yields) mark(y);
      const std::int32_t r = region_of[v];
      if (r > 0) mark(owner[static_cast<std::size_t>(r)]);
    }
  }
  return live;
}

struct Simplify : detail::Copier {
  std::vector<char> live;

  /// True when a loop's iterations may run in any order: its carried values pass through unchanged (a reverse
  /// loop's adjoint of a sum), and its body only reads and accumulates (additions commute; only their rounding
  /// depends on the order). A reversed loop of that kind runs upwards, the order memory and the hardware prefer.
  bool order_free(ValueId loop) const {
    const Inst& in = src[loop];
    const Region& body = src.regions[static_cast<std::size_t>(in.region)];
    for (std::size_t k = 0; k < body.yields.size(); ++k)
      if (body.yields[k] != body.params[k + 1]) return false;
    for (ValueId v : body.body) {
      const Kind kind = src[v].kind;
      if (!live[v]) continue;
      if (kind == Kind::Store || kind == Kind::Guard || kind == Kind::Loop || kind == Kind::StashStore ||
          kind == Kind::StashLoad)
        return false;
    }
    return true;
  }
  std::unordered_map<ValueId, std::vector<ValueId>> loop_results;
  Simplify(const Function& s, Builder& builder) : Copier(s, builder) {}

  void region(std::int32_t r) {
    for (ValueId v : src.regions[static_cast<std::size_t>(r)].body) {
      if (!live[v]) continue;
      const Inst& in = src[v];
      if (in.kind == Kind::LoopResult) {
        map[v] = loop_results.at(in.operands[0])[in.aux];
      } else if (in.kind == Kind::Loop) {
        const Region& body = src.regions[static_cast<std::size_t>(in.region)];
        std::vector<ValueId> init;
        for (ValueId o : in.operands) init.push_back(m(o));
        const auto frame = b.begin_loop(in.integer, in.aux2, in.reversed && !order_free(v), init);
        for (std::size_t k = 0; k < body.params.size(); ++k) map[body.params[k]] = frame.params[k];
        region(in.region);
        std::vector<ValueId> yields;
        for (ValueId y : body.yields) yields.push_back(m(y));
        loop_results[v] = b.end_loop(frame, yields);
      } else {
        copy(v);
      }
    }
  }
};

Function simplify_once(const Function& f) {
  Function g;
  g.name = f.name;
  g.inputs = f.inputs;
  g.outputs = f.outputs;
  Builder b(g);
  Simplify pass(f, b);
  pass.live = liveness(f);
  // Keep only the stash buffers something still reads.
  std::vector<char> used(f.stashes.size(), 0);
  for (ValueId v = 0; v < f.insts.size(); ++v)
    if (pass.live[v] && f[v].kind == Kind::StashLoad) used[f[v].array] = 1;
  for (std::size_t s = 0; s < f.stashes.size(); ++s)
    pass.stash_map.push_back(used[s] ? b.add_stash(f.stashes[s].lo, f.stashes[s].count, f.stashes[s].width) : no_value);
  pass.region(0);
  return g;
}

}  // namespace

Function simplify(const Function& f) {
  // Folding can leave what the folded instructions used without a user: repeat while the function shrinks.
  Function g = simplify_once(f);
  for (int round = 0; round < 3; ++round) {
    Function h = simplify_once(g);
    if (h.insts.size() >= g.insts.size()) break;
    g = std::move(h);
  }
  return g;
}

}  // namespace kinase::ir
