#pragma once
// The non-template heart of kinase::compile: the traces of one function, the programs derived from each (primal,
// vjp, jvp with lanes, jvp of vjp), compiled once by the backend and cached, and the guard protocol (a failed guard
// re-traces on the arguments of the call, or throws in strict mode).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "kinase/ir/backend.hpp"
#include "kinase/ir/ir.hpp"

namespace kinase {

/// How kinase::compile builds and runs a function.
struct CompileOptions {
  /// A call whose branches differ from the trace's throws kinase::Error instead of re-tracing.
  bool strict = false;
  /// The backend: by default LLVM when this build has it, else the interpreter.
  std::shared_ptr<const ir::Backend> backend;
  /// How many traces (one per set of branch decisions the calls took) are kept before an error.
  std::size_t max_traces = 16;
};

/// What compiling cost: the trace, the passes and code generation, in seconds, and the sizes of the programs.
struct CompileStats {
  struct Program {
    std::string name;          // "primal", "vjp", "jvp×4", "jvp×1∘vjp"
    std::size_t instructions;  // after simplification
    double transform_seconds;  // the passes
    double codegen_seconds;    // the backend
  };
  std::size_t traces = 0;
  double trace_seconds = 0;
  double transform_seconds = 0;
  double codegen_seconds = 0;
  std::vector<Program> programs;
  /// All of it: trace, passes and code generation.
  double total_seconds() const { return trace_seconds + transform_seconds + codegen_seconds; }
};

namespace ir {

/// Which program of a trace: the primal, or a derivative of the inputs marked in `active`.
struct ProgramKey {
  enum Kind { Primal, Vjp, Jvp, Hvp } kind = Primal;
  std::vector<char> active;  // per argument
  int lanes = 1;             // Jvp and Hvp
  bool with_primal = true;   // Vjp: write the result too (else it is left 0)
  bool operator==(const ProgramKey&) const = default;
  std::string name() const;
};

/// One argument of a compiled function: a scalar or an array of `size` numbers.
struct ArgShape {
  bool scalar = true;
  std::size_t size = 1;
  bool operator==(const ArgShape&) const = default;
};

/// What a trace of the user's function produced.
struct TraceResult {
  Function function;   // inputs: one per argument; outputs: one (the result)
  bool scalar_result;  // the function returned a scalar
};

class CompiledCore {
 public:
  /// Traces the user's function on example inputs (one span per argument).
  using Tracer = std::function<TraceResult(const std::vector<std::span<const double>>&)>;

  CompiledCore(Tracer tracer, std::vector<ArgShape> shapes, const std::vector<std::span<const double>>& examples,
               CompileOptions options);
  ~CompiledCore();

  const std::vector<ArgShape>& shapes() const { return shapes_; }
  bool scalar_result() const;
  std::size_t result_size() const;

  /// Runs program `key`. `inputs` and `outputs` follow the program's layout (see the passes): the arguments
  /// first, then its extra inputs; the result first, then its extra outputs. A failed guard re-traces on the
  /// arguments (or throws in strict mode) and runs again.
  void run(const ProgramKey& key, std::span<const double* const> inputs, std::span<double* const> outputs);

  /// The program's IR as text, and as C++ source.
  std::string ir(const ProgramKey& key);
  std::string cpp(const ProgramKey& key);
  CompileStats stats() const;

 private:
  struct Program;
  struct Trace;
  Program& program(Trace& t, const ProgramKey& key);
  Trace& add_trace(const std::vector<std::span<const double>>& examples);

  Tracer tracer_;
  std::vector<ArgShape> shapes_;
  CompileOptions options_;
  std::vector<std::unique_ptr<Trace>> traces_;
  std::size_t current_ = 0;
  mutable std::mutex mutex_;
  CompileStats stats_;
};

}  // namespace ir
}  // namespace kinase
