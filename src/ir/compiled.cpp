// kinase::compile's traces, programs and guards.
#include <chrono>
#include <unordered_map>

#include "kinase/core/error.hpp"
#include "kinase/ir/compiled_core.hpp"
#include "kinase/ir/passes.hpp"

namespace kinase::ir {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::string ProgramKey::name() const {
  switch (kind) {
    case Primal:
      return "primal";
    case Vjp:
      return with_primal ? "vjp" : "vjp (no primal)";
    case Jvp:
      return "jvp×" + std::to_string(lanes);
    case Hvp:
      return "jvp×" + std::to_string(lanes) + "∘vjp";
  }
  return "?";
}

struct CompiledCore::Program {
  ProgramKey key;
  Function function;
  std::unique_ptr<Executable> executable;
  std::mutex workspace_mutex;
  std::vector<double> workspace;
};

struct CompiledCore::Trace {
  Function primal;
  bool scalar_result = true;
  std::vector<std::unique_ptr<Program>> programs;
};

CompiledCore::CompiledCore(Tracer tracer, std::vector<ArgShape> shapes,
                           const std::vector<std::span<const double>>& examples, CompileOptions options)
    : tracer_(std::move(tracer)), shapes_(std::move(shapes)), options_(std::move(options)) {
  if (!options_.backend) options_.backend = default_backend();
  add_trace(examples);
  program(*traces_[0], ProgramKey{});
}

CompiledCore::~CompiledCore() = default;

bool CompiledCore::scalar_result() const {
  std::lock_guard lock(mutex_);
  return traces_[current_]->scalar_result;
}

std::size_t CompiledCore::result_size() const {
  std::lock_guard lock(mutex_);
  return traces_[current_]->primal.outputs[0].size;
}

CompiledCore::Trace& CompiledCore::add_trace(const std::vector<std::span<const double>>& examples) {
  if (traces_.size() >= options_.max_traces)
    throw Error("kinase::compile: the function was traced " + std::to_string(traces_.size()) +
                " times (CompileOptions::max_traces): its branches depend on its arguments too often; write them "
                "with kinase::select or kinase::cond");
  const auto t0 = std::chrono::steady_clock::now();
  TraceResult traced = tracer_(examples);
  auto trace = std::make_unique<Trace>();
  trace->primal = simplify(traced.function);
  trace->scalar_result = traced.scalar_result;
  verify(trace->primal);
  stats_.trace_seconds += seconds_since(t0);
  ++stats_.traces;
  traces_.push_back(std::move(trace));
  current_ = traces_.size() - 1;
  return *traces_.back();
}

CompiledCore::Program& CompiledCore::program(Trace& t, const ProgramKey& key) {
  for (auto& p : t.programs)
    if (p->key == key) return *p;
  if (key.active.size() != t.primal.inputs.size() && key.kind != ProgramKey::Primal)
    throw Error("kinase::compile: internal: a program's activity does not match the function's arguments");
  const auto t0 = std::chrono::steady_clock::now();
  auto p = std::make_unique<Program>();
  p->key = key;
  switch (key.kind) {
    case ProgramKey::Primal:
      p->function = t.primal;
      break;
    case ProgramKey::Vjp:
      p->function = vjp(t.primal, key.active, key.with_primal);
      break;
    case ProgramKey::Jvp:
      p->function = jvp(t.primal, key.active, key.lanes);
      break;
    case ProgramKey::Hvp: {
      Function g = vjp(t.primal, key.active, false, true);
      std::vector<char> active(key.active);
      active.resize(g.inputs.size(), 0);  // the cotangent of the result is not differentiated
      p->function = jvp(g, active, key.lanes);
      break;
    }
  }
  const double transform = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  p->executable = options_.backend->compile(p->function);
  const double codegen = seconds_since(t1);
  p->workspace.resize(p->function.workspace_size);
  stats_.transform_seconds += transform;
  stats_.codegen_seconds += codegen;
  stats_.programs.push_back({key.name(), p->function.insts.size(), transform, codegen});
  t.programs.push_back(std::move(p));
  return *t.programs.back();
}

void CompiledCore::run(const ProgramKey& key, std::span<const double* const> inputs, std::span<double* const> outputs) {
  std::unique_lock lock(mutex_);
  Trace* trace = traces_[current_].get();
  Program* p = &program(*trace, key);
  auto attempt = [&](Program& prog) {
    if (inputs.size() != prog.function.inputs.size() || outputs.size() != prog.function.outputs.size())
      throw Error("kinase::compile: internal: a program was called with the wrong number of arrays");
    std::unique_lock ws(prog.workspace_mutex, std::try_to_lock);
    if (ws.owns_lock()) return prog.executable->run(inputs.data(), outputs.data(), prog.workspace.data());
    std::vector<double> own(prog.function.workspace_size);  // another thread holds the shared one
    return prog.executable->run(inputs.data(), outputs.data(), own.data());
  };
  lock.unlock();
  int failed = attempt(*p);
  if (failed == 0) return;
  lock.lock();
  const auto guard = static_cast<std::size_t>(failed - 1);
  const std::string what = guard < p->function.guards.size() ? p->function.guards[guard] : std::string("a branch");
  if (options_.strict)
    throw Error("kinase::compile: this call takes another branch than the trace did (" + what +
                "); strict mode does not re-trace");
  // Another trace may fit these arguments; else trace them.
  for (std::size_t k = 0; k < traces_.size(); ++k) {
    if (traces_[k].get() == trace) continue;
    Program& q = program(*traces_[k], key);
    if (attempt(q) == 0) {
      current_ = k;
      return;
    }
  }
  std::vector<std::span<const double>> examples;
  for (std::size_t a = 0; a < shapes_.size(); ++a) examples.emplace_back(inputs[a], shapes_[a].size);
  Trace& fresh = add_trace(examples);
  Program& q = program(fresh, key);
  if (attempt(q) != 0)
    throw Error("kinase::compile: internal: a fresh trace's guards fail on the arguments it was traced with");
}

std::string CompiledCore::ir(const ProgramKey& key) {
  std::lock_guard lock(mutex_);
  return print(program(*traces_[current_], key).function);
}

std::string CompiledCore::cpp(const ProgramKey& key) {
  std::lock_guard lock(mutex_);
  return emit_cpp(program(*traces_[current_], key).function,
                  "kinase_" + std::string(key.name() == "primal" ? "primal" : "derivative"));
}

CompileStats CompiledCore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace kinase::ir
