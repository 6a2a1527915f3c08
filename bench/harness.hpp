#pragma once
// Timing and reporting shared by Kinase's benchmarks (design §7). A benchmark hands the harness its cases (the primal
// and one derivative per tool); each case runs a batch of evaluations when asked. The harness warms every case up,
// sizes its batch to last about a millisecond, then runs the cases round-robin (interleaved, the order rotating each
// round) so that a slow spell of the machine hits all of them alike, and reports the median time per evaluation.
// Rows are printed as a table and written as JSON: one object per benchmark and tool.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinase::bench {

/// Makes the compiler assume that the memory at `p` is read and that any memory may change: the work that produced
/// it cannot be removed, and values loaded before the barrier must be loaded again after it.
inline void escape(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

/// Command-line options every benchmark accepts: `--quick` (a short run, for the demo) and `--json PATH`.
struct Options {
  bool quick = false;
  std::string json_path;
};

/// Parses `--quick`, `--json PATH` (or `--json=PATH`) and `--help`; exits with a message on anything else.
inline Options parse_options(int argc, char** argv, std::string default_json_path) {
  Options options{false, std::move(default_json_path)};
  const auto usage = [&](std::FILE* to) {
    std::fprintf(to, "usage: %s [--quick] [--json PATH]   (JSON default: %s)\n", argc > 0 ? argv[0] : "bench",
                 options.json_path.c_str());
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--json" && i + 1 < argc) {
      options.json_path = argv[++i];
    } else if (arg.starts_with("--json=")) {
      options.json_path = std::string(arg.substr(7));
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "unknown or incomplete argument: %s\n", argv[i]);
      usage(stderr);
      std::exit(2);
    }
  }
  return options;
}

/// How long and how often to measure.
struct Settings {
  double batch_ns;   // each sample times a batch of evaluations lasting at least this long
  double warmup_ns;  // each case runs this long before calibration and measurement
  int rounds;        // samples per case; the reported figure is their median
};

/// The full run (about 1 ms batches, 101 rounds) or the short one for `--quick`.
inline Settings settings_for(const Options& options) {
  if (options.quick) return {2.0e5, 5.0e6, 15};
  return {1.0e6, 5.0e7, 101};
}

/// One timed thing: `run(n)` performs n evaluations.
struct Case {
  std::string name;
  std::function<void(std::size_t)> run;
};

/// Wall time of one batch of n evaluations, in nanoseconds.
inline double batch_ns(const Case& c, std::size_t n) {
  const auto start = std::chrono::steady_clock::now();
  c.run(n);
  const auto stop = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(stop - start).count();
}

/// The number of evaluations that makes one batch last at least `target_ns`.
inline std::size_t calibrate(const Case& c, double target_ns) {
  std::size_t n = 1;
  for (;;) {
    const double t = batch_ns(c, n);
    if (t >= target_ns) return n;
    // Grow geometrically, aiming a little past the target once the time is large enough to trust.
    const double grow = t > 1.0e4 ? std::clamp(1.2 * target_ns / t, 1.1, 16.0) : 16.0;
    n = static_cast<std::size_t>(std::ceil(static_cast<double>(n) * grow));
  }
}

/// The median of a sample (by copy; the input keeps its order).
inline double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  return 0.5 * (*mid + *std::max_element(v.begin(), mid));
}

/// Median nanoseconds per evaluation of each case, measured interleaved: every round runs one batch of every case,
/// starting from a different case each round.
inline std::vector<double> measure_interleaved(const std::vector<Case>& cases, const Settings& settings) {
  const std::size_t count = cases.size();
  std::vector<std::size_t> batch(count);
  for (std::size_t c = 0; c < count; ++c) {
    const auto start = std::chrono::steady_clock::now();
    std::size_t n = 1;
    while (std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() <
           settings.warmup_ns) {
      cases[c].run(n);
      n = std::min<std::size_t>(2 * n, 1u << 16);
    }
    batch[c] = calibrate(cases[c], settings.batch_ns);
  }
  std::vector<std::vector<double>> samples(count);
  for (int round = 0; round < settings.rounds; ++round) {
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t c = (k + static_cast<std::size_t>(round)) % count;
      samples[c].push_back(batch_ns(cases[c], batch[c]) / static_cast<double>(batch[c]));
    }
  }
  std::vector<double> result(count);
  for (std::size_t c = 0; c < count; ++c) result[c] = median(samples[c]);
  return result;
}

/// One result: a tool on a benchmark. `extra` holds further figures (e.g. {"peak_rss_mb", 41.5}).
struct Row {
  std::string benchmark;
  std::string tool;
  double primal_ns;
  double derivative_ns;
  double ratio;
  std::vector<std::pair<std::string, double>> extra{};
};

/// A row whose ratio is derivative time / primal time.
inline Row make_row(std::string benchmark, std::string tool, double primal_ns, double derivative_ns) {
  return Row{std::move(benchmark), std::move(tool), primal_ns, derivative_ns, derivative_ns / primal_ns};
}

/// Prints the rows as an aligned table on stdout.
inline void print_table(const std::vector<Row>& rows) {
  std::size_t bench_width = 9, tool_width = 4;
  for (const Row& r : rows) {
    bench_width = std::max(bench_width, r.benchmark.size());
    tool_width = std::max(tool_width, r.tool.size());
  }
  const int bw = static_cast<int>(bench_width), tw = static_cast<int>(tool_width);
  std::printf("%-*s  %-*s  %12s  %14s  %7s\n", bw, "benchmark", tw, "tool", "primal ns", "derivative ns", "ratio");
  for (const Row& r : rows)
    std::printf("%-*s  %-*s  %12.1f  %14.1f  %7.3f\n", bw, r.benchmark.c_str(), tw, r.tool.c_str(), r.primal_ns,
                r.derivative_ns, r.ratio);
  std::fflush(stdout);
}

namespace detail {
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + '"';
}

// JSON has no nan or inf: a figure that is not finite is written as null.
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace detail

/// Writes the rows as a JSON array of objects to `path`, creating its directory; returns false (with a message on
/// stderr) when the file cannot be written.
inline bool write_json(const std::string& path, const std::vector<Row>& rows) {
  const std::filesystem::path file(path);
  std::error_code error;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), error);
  std::ofstream out(file);
  if (!out) {
    std::cerr << "cannot write " << path << (error ? ": " + error.message() : std::string()) << '\n';
    return false;
  }
  out << "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    out << "  {\"benchmark\": " << detail::json_string(r.benchmark) << ", \"tool\": " << detail::json_string(r.tool)
        << ", \"primal_ns\": " << detail::json_number(r.primal_ns)
        << ", \"derivative_ns\": " << detail::json_number(r.derivative_ns)
        << ", \"ratio\": " << detail::json_number(r.ratio);
    for (const auto& [key, value] : r.extra)
      out << ", " << detail::json_string(key) << ": " << detail::json_number(value);
    out << '}' << (i + 1 < rows.size() ? "," : "") << '\n';
  }
  out << "]\n";
  out.close();
  if (!out) {
    std::cerr << "error while writing " << path << '\n';
    return false;
  }
  return true;
}

}  // namespace kinase::bench
