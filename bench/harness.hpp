#pragma once
// Timing and reporting shared by Kinase's benchmarks (design §7). A benchmark hands the harness its cases (the primal
// and one derivative per tool); each case runs a batch of evaluations when asked. The harness warms every case up,
// sizes its batch to last about a millisecond, then runs the cases round-robin (interleaved, the order rotating each
// round) so that a slow spell of the machine hits all of them alike, and reports the median time per evaluation.
// Rows are printed as a table and written as JSON: one object per benchmark and tool. Memory figures (peak RSS) are
// read from /proc in a fresh child process per tool, so that tools measured in one run do not add to each other.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
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

/// Prints the rows as an aligned table on stdout; the rows' extra figures, if any, as further columns (a dash where a
/// row lacks one).
inline void print_table(const std::vector<Row>& rows) {
  std::size_t bench_width = 9, tool_width = 4;
  std::vector<std::string> extra_keys;
  for (const Row& r : rows) {
    bench_width = std::max(bench_width, r.benchmark.size());
    tool_width = std::max(tool_width, r.tool.size());
    for (const auto& extra : r.extra)
      if (std::find(extra_keys.begin(), extra_keys.end(), extra.first) == extra_keys.end())
        extra_keys.push_back(extra.first);
  }
  const int bw = static_cast<int>(bench_width), tw = static_cast<int>(tool_width);
  std::printf("%-*s  %-*s  %12s  %14s  %7s", bw, "benchmark", tw, "tool", "primal ns", "derivative ns", "ratio");
  for (const std::string& key : extra_keys)
    std::printf("  %*s", static_cast<int>(std::max<std::size_t>(key.size(), 10)), key.c_str());
  std::printf("\n");
  for (const Row& r : rows) {
    std::printf("%-*s  %-*s  %12.1f  %14.1f  %7.3f", bw, r.benchmark.c_str(), tw, r.tool.c_str(), r.primal_ns,
                r.derivative_ns, r.ratio);
    for (const std::string& key : extra_keys) {
      const int width = static_cast<int>(std::max<std::size_t>(key.size(), 10));
      const auto it = std::find_if(r.extra.begin(), r.extra.end(), [&](const auto& e) { return e.first == key; });
      if (it == r.extra.end())
        std::printf("  %*s", width, "-");
      else
        std::printf("  %*.1f", width, it->second);
    }
    std::printf("\n");
  }
  std::fflush(stdout);
}

// --- memory ------------------------------------------------------------------------------------------------------

/// A "Vm...:" line of /proc/self/status (e.g. "VmHWM:", the peak resident set), in MB (2^20 bytes); NaN when the
/// file or the line is missing.
inline double proc_status_mb(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::strtod(line.c_str() + field.size(), nullptr) / 1024.0;  // the kB figure
  }
  return std::nan("");
}
/// The peak resident set size of this process so far, in MB.
inline double peak_rss_mb() { return proc_status_mb("VmHWM:"); }
/// The resident set size of this process now, in MB.
inline double current_rss_mb() { return proc_status_mb("VmRSS:"); }

/// Runs this program again in a fresh process (fork, then exec of /proc/self/exe: a new address space, so nothing
/// of the parent's memory counts in the child's peak RSS) with `args` as its arguments, and returns what the child
/// wrote to its standard output; nothing when it could not be started or did not exit with status 0.
inline std::optional<std::string> run_self_in_child(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    std::string self = "/proc/self/exe";
    argv.push_back(self.data());
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got > 0) {
      out.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
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
