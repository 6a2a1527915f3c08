#pragma once
// Backends turn a Function into something that runs. One interface for all of them: the interpreter (always
// there), LLVM's ORC JIT (when Kinase is built with KINASE_WITH_LLVM), and, later, CUDA. A backend compiles a
// Function into an Executable with one entry point:
//
//   int run(const double* const* inputs, double* const* outputs, double* workspace)
//
// inputs[k] holds f.inputs[k].size numbers, outputs[k] receives f.outputs[k].size numbers (the executable sets
// what it does not write to 0), workspace holds f.workspace_size numbers of scratch. It returns 0, or 1 + the
// number of the first guard that failed (the outputs are then unspecified).
#include <memory>
#include <string>
#include <string_view>

#include "kinase/ir/ir.hpp"

namespace kinase::ir {

class Executable {
 public:
  virtual ~Executable() = default;
  virtual int run(const double* const* inputs, double* const* outputs, double* workspace) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<Executable> compile(const Function& f) const = 0;
};

/// Runs the IR through interpret(): slow, but needs nothing.
std::unique_ptr<Backend> interpreter_backend();
/// True when this build of Kinase has the LLVM backend.
bool has_llvm();
/// LLVM 16's ORC JIT at optimisation level `opt_level`: 0 (none), 1 (-O1 with LLVM's fast code generator: quick to
/// compile), 2 (-O2, the default), 3 (-O3). Code is tuned for the host CPU. Throws kinase::Error naming the reason
/// when Kinase was built without LLVM.
std::unique_ptr<Backend> llvm_backend(int opt_level = 2);
/// LLVM when this build has it, else the interpreter.
std::unique_ptr<Backend> default_backend();

/// True when output `o` must be set to 0 before the function runs: it is accumulated into, or some of its elements
/// may not be stored.
bool output_needs_zeroing(const Function& f, std::size_t o);

/// The function as C++ source: `int <name>(const double* const* in, double* const* out, double* ws)` with the
/// contract of Executable::run, using <cmath> and, for the ops without a <cmath> function, kinase's headers. For
/// inspection, and for users without LLVM (compile it with their own compiler).
std::string emit_cpp(const Function& f, std::string_view name);

}  // namespace kinase::ir
