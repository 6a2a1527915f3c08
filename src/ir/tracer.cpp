// The tracer's out-of-line parts: branch decisions (guards and the explorer), arrays and loops.
#include "kinase/ir/tracer.hpp"

#include <utility>

namespace kinase::ir {

// --- Explorer ---------------------------------------------------------------------------------------------------

ValueId Explorer::run(const std::function<ValueId()>& rule) {
  std::vector<Path> paths;
  forced_.clear();
  for (;;) {
    decisions_.clear();
    conds_.clear();
    const ValueId r = rule();
    paths.push_back(Path{decisions_, conds_, r});
    std::size_t j = decisions_.size();
    while (j > 0 && decisions_[j - 1]) --j;
    if (j == 0) break;
    forced_.assign(decisions_.begin(), decisions_.begin() + static_cast<std::ptrdiff_t>(j - 1));
    forced_.push_back(1);
    if (paths.size() > 1024)
      throw Error("kinase::compile: a rule has more than 1024 paths through its branches; it cannot be emitted as IR");
  }
  return join(paths, 0);
}

bool Explorer::decide(ValueId cond) {
  Builder& b = current_builder();
  const Inst& in = b.function()[cond];
  if (in.kind == Kind::IndexConst) return in.integer != 0;  // decided by constants: the same on every path
  const std::size_t pos = decisions_.size();
  const bool d = pos < forced_.size() ? forced_[pos] != 0 : false;
  decisions_.push_back(d ? 1 : 0);
  conds_.push_back(cond);
  return d;
}

ValueId Explorer::join(std::span<const Path> paths, std::size_t depth) {
  if (paths.size() == 1 && paths[0].decisions.size() == depth) return paths[0].result;
  std::vector<Path> taken, not_taken;
  for (const Path& p : paths) {
    if (p.decisions.size() <= depth)
      throw Error("kinase::compile: a rule took a different number of branches on the same path (it is not pure)");
    (p.decisions[depth] ? taken : not_taken).push_back(p);
  }
  const ValueId cond = paths[0].conds[depth];
  if (taken.empty()) return join(not_taken, depth + 1);
  if (not_taken.empty()) return join(taken, depth + 1);
  const ValueId a = join(taken, depth + 1);
  const ValueId b = join(not_taken, depth + 1);
  return current_builder().select(cond, a, b);
}

// --- branches ---------------------------------------------------------------------------------------------------

TracedBool::operator bool() const {
  TraceContext& ctx = trace_context();
  if (ctx.explorer) return ctx.explorer->decide(id_);
  Builder& b = *ctx.builder;
  const Inst& in = b.function()[id_];
  if (in.kind == Kind::IndexConst) return in.integer != 0;
  if (!b.known(id_))
    throw Error("kinase::compile: a C++ branch on the traced comparison `" + what_ +
                "` inside kinase::for_range: a loop's body has no example value to decide it; write the choice "
                "with kinase::select(cond, a, b) or kinase::cond(cond, then_fn, else_fn)");
  const bool v = b.value(id_) != 0;
  b.guard(id_, v, "`" + what_ + "` was " + (v ? "true" : "false") + " when traced");
  return v;
}

namespace detail {
TracedBool compare(Cmp c, ValueId a, ValueId b) {
  static const char* symbols[] = {"<", "<=", ">", ">=", "==", "!="};
  Builder& builder = current_builder();
  auto name = [&](ValueId v) {
    const Inst& in = builder.function()[v];
    if (in.kind == Kind::Const) {
      std::string s = std::to_string(in.number);
      while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
      return s;
    }
    return "%" + std::to_string(v);
  };
  return TracedBool(builder.compare(c, a, b), name(a) + " " + symbols[static_cast<int>(c)] + " " + name(b));
}
}  // namespace detail

double Traced::value() const {
  Builder& b = current_builder();
  const ValueId v = id();
  if (!b.known(v))
    throw Error("kinase::compile: the value of traced %" + std::to_string(v) +
                " was asked for inside kinase::for_range, where the trace has no example value");
  return b.value(v);
}

Traced& Traced::operator+=(const Traced& o) { return *this = *this + o; }
Traced& Traced::operator-=(const Traced& o) { return *this = *this - o; }
Traced& Traced::operator*=(const Traced& o) { return *this = *this * o; }
Traced& Traced::operator/=(const Traced& o) { return *this = *this / o; }

// --- arrays -----------------------------------------------------------------------------------------------------

const Traced& Array::operator[](std::size_t k) const {
  if (k >= elements_.size())
    throw Error("kinase::compile: element " + std::to_string(k) + " of input `" + name_ + "` was read, but it has " +
                std::to_string(elements_.size()) + " elements");
  if (loaded_.size() != elements_.size()) loaded_.assign(elements_.size(), 0);
  Builder& b = current_builder();
  // An element first read inside a loop's body is read again outside it (the body's values end with the body).
  if (loaded_[k] && !modified_ && !b.visible(elements_[k].id())) loaded_[k] = 0;
  if (!loaded_[k]) {
    elements_[k] = Traced::from_id(b.load(input_, b.index_constant(static_cast<std::int64_t>(k))));
    loaded_[k] = 1;
  }
  return elements_[k];
}

Traced Array::operator[](const Index& k) const {
  if (modified_)
    throw Error("kinase::compile: input `" + name_ +
                "` was read at a loop counter after an element of it was assigned; read the input at loop "
                "counters only before changing it, or copy it into a new array");
  return Traced::from_id(current_builder().load(input_, k.id()));
}

const Traced* Array::begin() const {
  for (std::size_t k = 0; k < elements_.size(); ++k) (*this)[k];
  return elements_.data();
}

}  // namespace kinase::ir

namespace kinase::detail {

std::vector<ir::ValueId> loop_engine<ir::Traced>::run_ids(
    std::int64_t lo, std::int64_t hi, std::span<const ir::ValueId> init,
    const std::function<std::vector<ir::ValueId>(const ir::Index&, std::span<const ir::ValueId>)>& body) {
  ir::Builder& b = ir::current_builder();
  const auto frame = b.begin_loop(lo, hi, false, init);
  const std::vector<ir::ValueId> carries(frame.params.begin() + 1, frame.params.end());
  const std::vector<ir::ValueId> next = body(ir::Index::from_id(frame.params[0]), carries);
  if (next.size() != init.size())
    throw Error("kinase::for_range: the body returned " + std::to_string(next.size()) + " carried values for " +
                std::to_string(init.size()) + " initial ones");
  return b.end_loop(frame, next);
}

}  // namespace kinase::detail
