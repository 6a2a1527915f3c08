#pragma once
// The ADBench suite (`kinase-bench`): every tool on the same instances in one run, each tool's derivative checked
// against ADBench's expected output before it is timed, then the tools timed interleaved (harness.hpp) and ranked.
//
// A problem (gmm, ba, hand-simple, hand-complicated, lstm, rosenbrock) is a translation unit of its own that builds,
// per instance, the primal and one Tool per derivative method and hands them to measure_instance(). Everything else —
// options, the table, the JSON, the plot, the Python peers — is in main.cpp.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "harness.hpp"

namespace kinase::suite {

/// What to run and how (from the command line).
struct Config {
  std::filesystem::path data;      ///< ADBench's data folder
  std::vector<std::string> sizes;  ///< instance filters (substrings of the instance's name); empty: every instance
  std::vector<std::string> tools;  ///< tool filters (exact names); empty: every tool
  int repeat = 5;                  ///< timed rounds per tool (the reported time is their median)
  double time_limit_s = 30.0;      ///< a tool whose one evaluation takes longer is reported, not timed
  bool quick = false;              ///< one instance per problem and short batches (the demo)
  /// Only the instance of this position among those the filters accept (-1: all). The runner measures every
  /// instance in a process of its own (the tools keep their tapes' memory until the process ends: ADOL-C's tapes,
  /// Sacado's arena, Kinase's per-thread workspace), so that one instance's memory does not add to the next's.
  int only_instance = -1;
  /// How many instances the filters accepted so far (counted by wants_instance, for only_instance).
  mutable int accepted = 0;

  bool wants_tool(const std::string& name) const;
  /// True for an instance the filters accept (and, with only_instance, only the one at that position). Each
  /// problem calls it once per instance, in a fixed order, before it reads any file.
  bool wants_instance(const std::string& name) const;
};

/// The ADBench acceptance limit: |a − b| / max(1, |a| + |b|) at every position.
inline constexpr double kTolerance = 1e-8;

/// One way of computing the derivative.
struct Tool {
  std::string name;
  /// Computes the derivative once and returns its largest ADBench difference from the expected one (the objective
  /// included, where the tool computes it); throws on failure.
  std::function<double()> check;
  /// Runs n derivative evaluations.
  std::function<void(std::size_t)> run;
  /// Optional: the predicted seconds of one evaluation, for tools whose cost is known to grow with the instance
  /// (forward mode on a gradient: one pass per chunk of lanes); above the time limit the tool is not run at all.
  std::function<double()> predict_s{};
  std::string note{};  ///< how the tool computes the derivative (printed in the JSON)
  /// Optional: the tool's compile time in ns, read after check() (Kinase's compiled engine).
  std::function<double()> compile_ns{};
};

/// One row of the results: a tool on an instance.
struct Result {
  std::string problem;
  std::string instance;
  double size = 0;         ///< the instance's size for the plot's x axis (see size_label)
  std::string size_label;  ///< what `size` counts ("parameters", "observations", …)
  std::string tool;
  double primal_ns = std::numeric_limits<double>::quiet_NaN();      ///< the objective's time (this tool's own)
  double derivative_ns = std::numeric_limits<double>::quiet_NaN();  ///< the derivative's time
  double ratio = std::numeric_limits<double>::quiet_NaN();          ///< derivative / primal
  double compile_ns = std::numeric_limits<double>::quiet_NaN();     ///< compile time (JAX, CasADi, kinase-compiled)
  double max_error = std::numeric_limits<double>::quiet_NaN();      ///< largest ADBench difference from expected/
  int rank = 0;                                                     ///< by derivative time within the instance; 0: none
  std::string status;  ///< "ok", "mismatch", "timeout", "skipped" or "error"
  std::string note;
};

/// An instance of a problem, as measured.
struct Instance {
  std::string problem;
  std::string name;
  double size = 0;
  std::string size_label;
};

/// Checks every wanted tool, times the primal and the tools that passed (interleaved, median of config.repeat
/// rounds), and returns one row per tool. `primal_error` is the primal objective's difference from expected/.
std::vector<Result> measure_instance(const Config& config, const Instance& instance, double primal_error,
                                     const std::function<void(std::size_t)>& primal, std::vector<Tool> tools);

/// Writes a progress line on stderr (overwritten by the next one when stderr is a terminal).
void progress(const std::string& line);

// The problems; each returns the rows of every wanted instance whose files are present.
std::vector<Result> run_gmm(const Config& config);
std::vector<Result> run_ba(const Config& config);
std::vector<Result> run_hand(const Config& config, bool complicated);
std::vector<Result> run_lstm(const Config& config);
std::vector<Result> run_rosenbrock(const Config& config);

/// The largest ADBench difference between two sequences of equal length (infinity if the lengths differ).
double worst_difference(const double* got, const double* want, std::size_t count);
double worst_difference(const std::vector<double>& got, const std::vector<double>& want);

}  // namespace kinase::suite
