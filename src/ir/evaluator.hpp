#pragma once
// Evaluates IR instructions on doubles: the interpreter, and the builder's evaluation of a trace on the example
// arguments, share it. Index and Bool values are held as doubles (exact below 2^53).
#include <span>
#include <vector>

#include "kinase/ir/ir.hpp"

namespace kinase::ir::detail {

struct Evaluator {
  const Function& f;
  std::vector<double>& values;
  std::span<const double* const> inputs;  // Load reads these
  std::span<double* const> outputs;       // Store and Accum write these (none while tracing)
  double* workspace = nullptr;            // the stash buffers
  int failed_guard = 0;                   // 1 + the guard that failed

  /// Evaluates instruction v (a Loop runs all its iterations). Returns false when a guard failed.
  bool eval(ValueId v);
  /// Runs a region's body in order.
  bool run(std::int32_t region);
};

}  // namespace kinase::ir::detail
