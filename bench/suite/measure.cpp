// Checking and timing one instance's tools (see suite.hpp).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "adbench/gmm.hpp"
#include "adbench/gmm_io.hpp"
#include "suite/suite.hpp"

namespace kinase::suite {

bool Config::wants_tool(const std::string& name) const {
  return tools.empty() || std::find(tools.begin(), tools.end(), name) != tools.end();
}

bool Config::wants_instance(const std::string& name) const {
  const bool accepted_by_filters =
      sizes.empty() || std::any_of(sizes.begin(), sizes.end(),
                                   [&](const std::string& filter) { return name.find(filter) != std::string::npos; });
  if (!accepted_by_filters) return false;
  return only_instance < 0 || accepted++ == only_instance;
}

void progress(const std::string& line) {
  static const bool terminal = isatty(STDERR_FILENO) != 0;
  if (terminal)
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

double worst_difference(const double* got, const double* want, std::size_t count) {
  double worst = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double d = adbench::adbench_difference(got[i], want[i]);
    worst = std::isnan(d) ? d : std::max(worst, d);
    if (std::isnan(worst)) break;
  }
  return worst;
}

double worst_difference(const std::vector<double>& got, const std::vector<double>& want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  return worst_difference(got.data(), want.data(), got.size());
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string format_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

}  // namespace

std::vector<Result> measure_instance(const Config& config, const Instance& instance, double primal_error,
                                     const std::function<void(std::size_t)>& primal, std::vector<Tool> tools) {
  const std::string where = "[" + instance.problem + " " + instance.name + "] ";
  std::vector<Result> rows;
  std::vector<bench::Case> cases = {{"primal", primal}};
  std::vector<std::size_t> timed;  // indices into rows, in the order of cases[1..]

  const bool primal_ok = primal_error <= kTolerance;
  for (Tool& tool : tools) {
    if (!config.wants_tool(tool.name)) continue;
    Result r;
    r.problem = instance.problem;
    r.instance = instance.name;
    r.size = instance.size;
    r.size_label = instance.size_label;
    r.tool = tool.name;
    r.note = tool.note;
    progress(where + "checking " + tool.name);
    try {
      const double predicted = tool.predict_s ? tool.predict_s() : 0.0;
      if (predicted > config.time_limit_s) {
        r.status = "skipped";
        r.note = "predicted " + format_seconds(predicted) + " per evaluation, over the time limit; " + r.note;
      } else {
        const auto start = std::chrono::steady_clock::now();
        r.max_error = tool.check();
        const double took = seconds_since(start);
        if (tool.compile_ns) r.compile_ns = tool.compile_ns();
        if (!(r.max_error <= kTolerance)) {
          r.status = "mismatch";
        } else if (took > config.time_limit_s) {
          r.status = "timeout";
          r.note = "one evaluation took " + format_seconds(took) + ", over the time limit; " + r.note;
        } else {
          r.status = primal_ok ? "ok" : "skipped";
          if (!primal_ok) r.note = "the primal does not match expected/; " + r.note;
        }
      }
    } catch (const std::exception& e) {
      r.status = "error";
      r.note = e.what();
    }
    if (r.status == "ok") {
      timed.push_back(rows.size());
      cases.push_back({tool.name, std::move(tool.run)});
    }
    rows.push_back(std::move(r));
  }

  if (cases.size() > 1) {
    progress(where + "timing " + std::to_string(cases.size()) + " cases, " + std::to_string(config.repeat) + " rounds");
    bench::Settings settings =
        config.quick ? bench::Settings{2.0e5, 2.0e6, config.repeat} : bench::Settings{1.0e6, 2.0e7, config.repeat};
    const std::vector<double> ns = bench::measure_interleaved(cases, settings);
    for (std::size_t c = 1; c < cases.size(); ++c) {
      Result& r = rows[timed[c - 1]];
      r.primal_ns = ns[0];
      r.derivative_ns = ns[c];
      r.ratio = ns[c] / ns[0];
    }
  }
  progress(where + "done");
  return rows;
}

}  // namespace kinase::suite
