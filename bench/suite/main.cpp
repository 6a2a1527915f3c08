// kinase-bench: the ADBench suite (GMM, BA, hand tracking, LSTM) and B1's Rosenbrock, every tool on the same
// instances in one run. Each tool's derivative is checked against ADBench's expected output (to 1e-8, ADBench's
// measure) before it is timed; the tools that pass are timed interleaved with the primal, and the table gives the
// median times, the ratio derivative / primal and each tool's rank (by derivative time) per instance. The rows go to
// a JSON file and a PNG plot of the ratio against the instance's size (gnuplot). With --python-peers, JAX, PyTorch
// and CasADi run the same instances from a virtual environment in the build directory (bench/python/).
//
//   kinase-bench [--problem gmm,ba,hand,lstm,rosenbrock] [--size FILTER,...] [--tools NAME,...] [--repeat N]
//                [--time-limit SECONDS] [--quick] [--data DIR] [--json PATH] [--plot PATH | --no-plot]
//                [--python-peers] [--python-tools jax,torch,casadi] [--venv DIR]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"
#include "suite/suite.hpp"

#ifndef KINASE_ADBENCH_DIR
#define KINASE_ADBENCH_DIR "../shared/adbench"
#endif
#ifndef KINASE_SOURCE_DIR
#define KINASE_SOURCE_DIR "."
#endif
#ifndef KINASE_BINARY_DIR
#define KINASE_BINARY_DIR "build"
#endif

namespace {

namespace suite = kinase::suite;
using suite::Result;

const std::vector<std::string> kProblems = {"gmm", "ba", "hand-simple", "hand-complicated", "lstm", "rosenbrock"};

struct Options {
  suite::Config config;
  std::vector<std::string> problems;
  std::string json_path;
  std::string plot_path;
  bool plot = true;
  bool python = false;
  std::string python_tools = "jax,torch,casadi";
  std::filesystem::path venv = std::filesystem::path(KINASE_BINARY_DIR) / "pyenv";
  int child_instance = -1;  ///< internal: measure only this instance of the one problem, print rows as JSON lines
  std::string replot;       ///< draw the plot of an earlier run's JSON file and stop
};

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{std::string(text)};
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(int status) {
  std::FILE* to = status == 0 ? stdout : stderr;
  std::fprintf(to,
               "usage: kinase-bench [options]\n"
               "  --problem LIST      gmm, ba, hand (= hand-simple,hand-complicated), lstm, rosenbrock (or b1);\n"
               "                      default: all\n"
               "  --size LIST         only instances whose name contains one of these (e.g. d10_K25,ba1,n100000)\n"
               "  --tools LIST        only these tools (e.g. kinase,kinase-fwd,adolc,manual); default: all\n"
               "  --repeat N          timed rounds per tool; the median is reported (default 5; --quick: 5)\n"
               "  --time-limit S      a tool whose single evaluation takes longer is reported, not timed (default 30)\n"
               "  --quick             one instance per problem, short batches (the demo's run)\n"
               "  --data DIR          ADBench's data folder (default %s)\n"
               "  --json PATH         results file (default bench/results/<date>.json)\n"
               "  --plot PATH         PNG plot of ratio against size (default: the JSON path with .png)\n"
               "  --no-plot           no plot\n"
               "  --replot JSON       draw the plot of an earlier run's results (to --plot, default JSON's .png)\n"
               "  --python-peers      also run JAX, PyTorch and CasADi (installs them into --venv on first use)\n"
               "  --python-tools LIST which Python peers (default jax,torch,casadi)\n"
               "  --venv DIR          the virtual environment (default %s/pyenv)\n",
               KINASE_ADBENCH_DIR, KINASE_BINARY_DIR);
  std::exit(status);
}

Options parse(int argc, char** argv) {
  Options o;
  o.config.data = KINASE_ADBENCH_DIR;
  std::string problems = "all";
  bool repeat_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kinase-bench: %s needs a value\n", argv[i]);
        usage(2);
      }
      return argv[++i];
    };
    const auto number = [&](const char* what) {
      const std::string v = value();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(d > 0)) {
        std::fprintf(stderr, "kinase-bench: %s must be a positive number, not `%s`\n", what, v.c_str());
        usage(2);
      }
      return d;
    };
    if (arg == "--problem") {
      problems = value();
    } else if (arg == "--size") {
      o.config.sizes = split_list(value());
    } else if (arg == "--tools") {
      o.config.tools = split_list(value());
    } else if (arg == "--repeat") {
      const double r = number("--repeat");
      if (r != std::floor(r) || r > 10000) {
        std::fprintf(stderr, "kinase-bench: --repeat must be a whole number up to 10000\n");
        usage(2);
      }
      o.config.repeat = static_cast<int>(r);
      repeat_given = true;
    } else if (arg == "--time-limit") {
      o.config.time_limit_s = number("--time-limit");
    } else if (arg == "--quick") {
      o.config.quick = true;
    } else if (arg == "--data") {
      o.config.data = value();
    } else if (arg == "--json") {
      o.json_path = value();
    } else if (arg == "--plot") {
      o.plot_path = value();
    } else if (arg == "--no-plot") {
      o.plot = false;
    } else if (arg == "--python-peers") {
      o.python = true;
    } else if (arg == "--python-tools") {
      o.python_tools = value();
    } else if (arg == "--venv") {
      o.venv = value();
    } else if (arg == "--replot") {
      o.replot = value();
    } else if (arg == "--child-instance") {
      o.child_instance = static_cast<int>(number("--child-instance")) - 1;  // 1-based on the command line
    } else if (arg == "--help" || arg == "-h") {
      usage(0);
    } else {
      std::fprintf(stderr, "kinase-bench: unknown argument `%s`\n", argv[i]);
      usage(2);
    }
  }
  (void)repeat_given;
  for (const std::string& p : split_list(problems)) {
    if (p == "all") {
      o.problems = kProblems;
    } else if (p == "hand") {
      o.problems.push_back("hand-simple");
      o.problems.push_back("hand-complicated");
    } else if (p == "b1") {
      o.problems.push_back("rosenbrock");
    } else if (std::find(kProblems.begin(), kProblems.end(), p) != kProblems.end()) {
      o.problems.push_back(p);
    } else {
      std::fprintf(stderr, "kinase-bench: unknown problem `%s`\n", p.c_str());
      usage(2);
    }
  }
  if (!std::filesystem::is_directory(o.config.data)) {
    std::fprintf(stderr, "kinase-bench: the ADBench data folder %s does not exist (give it with --data DIR)\n",
                 o.config.data.c_str());
    std::exit(2);
  }
  if (o.json_path.empty()) {
    char date[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
    o.json_path = std::string("bench/results/") + date + (o.config.quick ? "-quick" : "") + ".json";
  }
  if (o.plot_path.empty()) o.plot_path = std::filesystem::path(o.json_path).replace_extension(".png").string();
  return o;
}

// --- Python peers ----------------------------------------------------------------------------------------------------

/// Quotes a word for the shell.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs a shell command and returns its standard output; the exit status in `status`.
std::string capture(const std::string& command, int& status) {
  std::string out;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    status = -1;
    return out;
  }
  char buf[4096];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, got);
  status = pclose(pipe);
  return out;
}

/// The input file (or --n) of an instance, as the Python peers take it.
std::string python_instance_arguments(const Options& o, const Result& r) {
  const std::filesystem::path& data = o.config.data;
  if (r.problem == "gmm")
    return "--input " + shell_quote((data / "gmm" / "1k" / ("gmm_" + r.instance + ".txt")).string());
  if (r.problem == "ba") return "--input " + shell_quote((data / "ba" / (r.instance + ".txt")).string());
  if (r.problem == "hand-simple" || r.problem == "hand-complicated")
    return "--input " + shell_quote((data / "hand" / (r.instance + ".txt")).string()) +
           (r.problem == "hand-complicated" ? " --complicated" : "");
  if (r.problem == "lstm") return "--input " + shell_quote((data / "lstm" / (r.instance + ".txt")).string());
  return "--n " + std::to_string(static_cast<long long>(r.size));
}

double json_double(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::numeric_limits<double>::quiet_NaN();
  return it->get<double>();
}

/// Runs the Python peers on every instance measured in C++; returns their rows.
std::vector<Result> run_python_peers(const Options& o, const std::vector<Result>& cpp_rows) {
  std::vector<Result> rows;
  const std::filesystem::path scripts = std::filesystem::path(KINASE_SOURCE_DIR) / "bench" / "python";
  suite::progress("[python] preparing the virtual environment " + o.venv.string());
  int status = std::system(
      (shell_quote((scripts / "setup_venv.sh").string()) + " " + shell_quote(o.venv.string()) + " 1>&2").c_str());
  if (status != 0) {
    std::fprintf(stderr, "\nkinase-bench: bench/python/setup_venv.sh failed: no Python peers\n");
    return rows;
  }
  std::set<std::pair<std::string, std::string>> done;
  for (const Result& r : cpp_rows) {
    if (!done.insert({r.problem, r.instance}).second) continue;
    const std::string problem = r.problem.rfind("hand", 0) == 0 ? "hand" : r.problem;
    suite::progress("[" + r.problem + " " + r.instance + "] python peers");
    const std::string command =
        shell_quote((o.venv / "bin" / "python").string()) + " " + shell_quote((scripts / "kinase_peers.py").string()) +
        " --problem " + problem + " " + python_instance_arguments(o, r) + " --expected-dir " +
        shell_quote((o.config.data / "expected").string()) + " --tools " + shell_quote(o.python_tools) + " --repeat " +
        std::to_string(o.config.repeat) + " --time-limit " + std::to_string(o.config.time_limit_s) +
        (o.config.quick ? " --quick" : "");
    const std::string out = capture(command, status);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Result p;
      p.problem = r.problem;
      p.instance = r.instance;
      p.size = r.size;
      p.size_label = r.size_label;
      try {
        const nlohmann::json j = nlohmann::json::parse(line);
        p.tool = j.value("tool", std::string("python"));
        p.primal_ns = json_double(j, "primal_ns");
        p.derivative_ns = json_double(j, "derivative_ns");
        p.ratio = json_double(j, "ratio");
        p.compile_ns = json_double(j, "compile_ns");
        p.max_error = json_double(j, "max_error");
        p.status = j.value("status", std::string("error"));
        p.note = j.value("note", std::string());
      } catch (const std::exception& e) {
        p.tool = "python";
        p.status = "error";
        p.note = std::string("unreadable output from kinase_peers.py: ") + e.what();
      }
      rows.push_back(std::move(p));
    }
    if (status != 0)
      std::fprintf(stderr, "\nkinase-bench: kinase_peers.py exited with status %d on %s %s\n", status,
                   r.problem.c_str(), r.instance.c_str());
  }
  return rows;
}

// --- ranking, table, JSON, plot --------------------------------------------------------------------------------------

/// Ranks the timed rows of each instance by derivative time (1 = fastest).
void assign_ranks(std::vector<Result>& rows) {
  std::map<std::pair<std::string, std::string>, std::vector<Result*>> groups;
  for (Result& r : rows)
    if (r.status == "ok" && std::isfinite(r.derivative_ns)) groups[{r.problem, r.instance}].push_back(&r);
  for (auto& [key, group] : groups) {
    std::sort(group.begin(), group.end(),
              [](const Result* a, const Result* b) { return a->derivative_ns < b->derivative_ns; });
    for (std::size_t k = 0; k < group.size(); ++k) group[k]->rank = static_cast<int>(k + 1);
  }
}

std::string milliseconds(double ns) {
  if (!std::isfinite(ns)) return "-";
  char buf[32];
  const double ms = ns * 1e-6;
  std::snprintf(buf, sizeof buf, ms >= 100 ? "%.0f" : ms >= 1 ? "%.2f" : "%.4f", ms);
  return buf;
}

void print_table(const std::vector<Result>& rows) {
  std::size_t pw = 7, iw = 8, tw = 4;
  for (const Result& r : rows) {
    pw = std::max(pw, r.problem.size());
    iw = std::max(iw, r.instance.size());
    tw = std::max(tw, r.tool.size());
  }
  const int p = static_cast<int>(pw), i = static_cast<int>(iw), t = static_cast<int>(tw);
  std::printf("%-*s  %-*s  %-*s  %10s  %12s  %9s  %4s  %8s  %s\n", p, "problem", i, "instance", t, "tool", "primal ms",
              "derivative ms", "ratio", "rank", "max err", "status / note");
  std::string last;
  for (const Result& r : rows) {
    const std::string key = r.problem + "/" + r.instance;
    if (!last.empty() && key != last) std::printf("\n");
    last = key;
    char ratio[32], err[32], rank[16];
    std::snprintf(ratio, sizeof ratio, std::isfinite(r.ratio) ? "%.2f" : "-", r.ratio);
    std::snprintf(err, sizeof err, std::isfinite(r.max_error) ? "%.1e" : "-", r.max_error);
    std::snprintf(rank, sizeof rank, r.rank > 0 ? "%d" : "-", r.rank);
    std::string status = r.status == "ok" ? std::string() : r.status;
    if (r.status != "ok" || std::isfinite(r.compile_ns)) {
      if (std::isfinite(r.compile_ns))
        status += (status.empty() ? "" : ", ") + std::string("compile ") + milliseconds(r.compile_ns) + " ms";
      if (r.status != "ok" && !r.note.empty()) status += ": " + r.note;
    }
    std::printf("%-*s  %-*s  %-*s  %10s  %12s  %9s  %4s  %8s  %s\n", p, r.problem.c_str(), i, r.instance.c_str(), t,
                r.tool.c_str(), milliseconds(r.primal_ns).c_str(), milliseconds(r.derivative_ns).c_str(), ratio, rank,
                err, status.c_str());
  }
  std::fflush(stdout);
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json to_json(const Result& r) {
  return {{"problem", r.problem},
          {"instance", r.instance},
          {"size", r.size},
          {"size_label", r.size_label},
          {"tool", r.tool},
          {"primal_ns", number_or_null(r.primal_ns)},
          {"derivative_ns", number_or_null(r.derivative_ns)},
          {"ratio", number_or_null(r.ratio)},
          {"compile_ns", number_or_null(r.compile_ns)},
          {"max_error", number_or_null(r.max_error)},
          {"rank", r.rank},
          {"status", r.status},
          {"note", r.note}};
}

Result from_json(const nlohmann::json& j) {
  Result r;
  r.problem = j.at("problem").get<std::string>();
  r.instance = j.at("instance").get<std::string>();
  r.size = j.at("size").get<double>();
  r.size_label = j.at("size_label").get<std::string>();
  r.tool = j.at("tool").get<std::string>();
  r.primal_ns = json_double(j, "primal_ns");
  r.derivative_ns = json_double(j, "derivative_ns");
  r.ratio = json_double(j, "ratio");
  r.compile_ns = json_double(j, "compile_ns");
  r.max_error = json_double(j, "max_error");
  r.status = j.at("status").get<std::string>();
  r.note = j.at("note").get<std::string>();
  r.rank = j.value("rank", 0);
  return r;
}

bool write_json(const Options& o, const std::vector<Result>& rows) {
  nlohmann::json doc;
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  doc["date"] = date;
  doc["compiler"] = __VERSION__;
  doc["data"] = o.config.data.string();
  doc["settings"] = {{"quick", o.config.quick},
                     {"repeat", o.config.repeat},
                     {"time_limit_s", o.config.time_limit_s},
                     {"python_peers", o.python},
                     {"tolerance", suite::kTolerance},
                     {"rank", "by derivative time within the instance"},
                     {"ratio", "derivative time / the tool's own primal time (C++ tools: the double objective)"}};
  nlohmann::json results = nlohmann::json::array();
  for (const Result& r : rows) results.push_back(to_json(r));
  doc["results"] = results;
  const std::filesystem::path file(o.json_path);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file);
  out << doc.dump(2) << '\n';
  out.close();
  if (!out) {
    std::fprintf(stderr, "kinase-bench: cannot write %s\n", o.json_path.c_str());
    return false;
  }
  return true;
}

/// Draws one panel per problem (ratio against size, log-log, one line per tool) with gnuplot into a PNG.
bool write_plot(const Options& o, const std::vector<Result>& rows) {
  std::vector<std::string> problems;
  for (const Result& r : rows)
    if (r.status == "ok" && std::find(problems.begin(), problems.end(), r.problem) == problems.end())
      problems.push_back(r.problem);
  if (problems.empty()) return true;
  int status = 0;
  capture("command -v gnuplot >/dev/null 2>&1", status);
  if (status != 0) {
    std::fprintf(stderr, "kinase-bench: gnuplot is not installed (Debian: gnuplot-nox): no plot\n");
    return false;
  }
  std::ostringstream script;
  const int columns = problems.size() > 1 ? 2 : 1;
  const int panel_rows = static_cast<int>((problems.size() + 1) / static_cast<std::size_t>(columns));
  script << "set terminal pngcairo size " << 640 * columns << "," << 440 * panel_rows << " font 'sans,9'\n"
         << "set output '" << o.plot_path << "'\n"
         << "set multiplot layout " << panel_rows << "," << columns
         << " title 'derivative time / primal time (lower is better)'\n"
         << "set logscale xy\nset grid\nset key outside right top\nset offsets graph 0.05, graph 0.05, 0, 0\n";
  // One style per tool across the panels (its place in the order tools first appear); Kinase's rows drawn thicker.
  std::vector<std::string> all_tools;
  for (const Result& r : rows)
    if (std::find(all_tools.begin(), all_tools.end(), r.tool) == all_tools.end()) all_tools.push_back(r.tool);
  static constexpr const char* colours[] = {"#9400d3", "#e69f00", "#009e73", "#56b4e9", "#d55e00", "#0072b2",
                                            "#cc79a7", "#f0e442", "#000000", "#8c564b", "#7f7f7f", "#17becf"};
  const auto style = [&](const std::string& tool) {
    const auto k = static_cast<std::size_t>(std::find(all_tools.begin(), all_tools.end(), tool) - all_tools.begin());
    return std::string(" lc rgb '") + colours[k % std::size(colours)] + "' pt " + std::to_string(k + 1) +
           (tool.rfind("kinase", 0) == 0 ? " lw 2.5" : " lw 1");
  };
  int block = 0;
  for (const std::string& problem : problems) {
    std::vector<std::string> tools;
    std::string label;
    for (const Result& r : rows)
      if (r.problem == problem && r.status == "ok") {
        label = r.size_label;
        if (std::find(tools.begin(), tools.end(), r.tool) == tools.end()) tools.push_back(r.tool);
      }
    std::ostringstream plot;
    plot << "set title '" << problem << "'\nset xlabel '" << label << "'\nset ylabel 'ratio'\nplot ";
    for (std::size_t t = 0; t < tools.size(); ++t) {
      std::vector<std::pair<double, double>> points;
      for (const Result& r : rows)
        if (r.problem == problem && r.tool == tools[t] && r.status == "ok") points.emplace_back(r.size, r.ratio);
      std::sort(points.begin(), points.end());
      const std::string name = "$D" + std::to_string(block++);
      script << name << " << EOD\n";
      for (const auto& [x, y] : points) script << x << ' ' << y << '\n';
      script << "EOD\n";
      plot << (t ? ", " : "") << name << " using 1:2 with linespoints" << style(tools[t]) << " title '" << tools[t]
           << "'";
    }
    script << plot.str() << '\n';
  }
  script << "unset multiplot\n";
  const std::filesystem::path script_file = std::filesystem::path(o.plot_path).replace_extension(".gnuplot");
  {
    std::ofstream out(script_file);
    out << script.str();
  }
  capture("gnuplot " + shell_quote(script_file.string()) + " 2>&1", status);
  if (status != 0) {
    std::fprintf(stderr, "kinase-bench: gnuplot failed on %s\n", script_file.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::vector<Result> run_problem(const std::string& p, const suite::Config& config) {
  if (p == "gmm") return suite::run_gmm(config);
  if (p == "ba") return suite::run_ba(config);
  if (p == "hand-simple") return suite::run_hand(config, false);
  if (p == "hand-complicated") return suite::run_hand(config, true);
  if (p == "lstm") return suite::run_lstm(config);
  return suite::run_rosenbrock(config);
}

/// The child's part: one instance of one problem; its rows as JSON lines on stdout, then {"accepted": count of the
/// instances the filters accept}, from which the parent learns how many children to run.
int run_child(const Options& o) {
  suite::Config config = o.config;
  config.only_instance = o.child_instance;
  try {
    for (const Result& r : run_problem(o.problems.at(0), config)) std::printf("%s\n", to_json(r).dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nkinase-bench: %s\n", e.what());
    return 1;
  }
  std::printf("%s\n", nlohmann::json{{"accepted", config.accepted}}.dump().c_str());
  return 0;
}

/// Measures every instance of a problem, each in a fresh process (this program again, with --child-instance).
std::vector<Result> run_problem_in_children(const Options& o, const std::string& problem) {
  std::vector<std::string> args = {"--problem",    problem,
                                   "--repeat",     std::to_string(o.config.repeat),
                                   "--time-limit", std::to_string(o.config.time_limit_s),
                                   "--data",       o.config.data.string()};
  const auto join = [](const std::vector<std::string>& items) {
    std::string s;
    for (const std::string& i : items) s += (s.empty() ? "" : ",") + i;
    return s;
  };
  if (!o.config.sizes.empty()) args.insert(args.end(), {"--size", join(o.config.sizes)});
  if (!o.config.tools.empty()) args.insert(args.end(), {"--tools", join(o.config.tools)});
  if (o.config.quick) args.push_back("--quick");
  std::vector<Result> rows;
  int total = -1, failures = 0;
  for (int k = 0; (total < 0 || k < total) && failures < 3; ++k) {
    std::vector<std::string> child = args;
    child.insert(child.end(), {"--child-instance", std::to_string(k + 1)});
    const std::optional<std::string> out = kinase::bench::run_self_in_child(child);
    if (!out) {
      ++failures;
      Result r;
      r.problem = problem;
      r.instance = "#" + std::to_string(k + 1);
      r.tool = "(all)";
      r.status = "error";
      r.note = "the process measuring this instance failed (killed for memory, or crashed); see its messages above";
      rows.push_back(r);
      std::fprintf(stderr, "\nkinase-bench: %s instance %d: its process failed\n", problem.c_str(), k + 1);
      continue;
    }
    failures = 0;
    std::istringstream lines(*out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      const nlohmann::json j = nlohmann::json::parse(line);
      if (j.contains("accepted"))
        total = j.at("accepted").get<int>();
      else
        rows.push_back(from_json(j));
    }
  }
  return rows;
}

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.child_instance >= 0) return run_child(o);
  if (!o.replot.empty()) {
    std::vector<Result> rows;
    try {
      std::ifstream in(o.replot);
      const nlohmann::json doc = nlohmann::json::parse(in);
      for (const nlohmann::json& j : doc.at("results")) rows.push_back(from_json(j));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kinase-bench: cannot read the results in %s: %s\n", o.replot.c_str(), e.what());
      return 1;
    }
    Options p = o;
    if (p.plot_path == std::filesystem::path(o.json_path).replace_extension(".png").string())
      p.plot_path = std::filesystem::path(o.replot).replace_extension(".png").string();
    return write_plot(p, rows) ? (std::printf("# plot: %s\n", p.plot_path.c_str()), 0) : 1;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Result> rows;
  try {
    for (const std::string& p : o.problems) {
      const std::vector<Result> got = run_problem_in_children(o, p);
      rows.insert(rows.end(), got.begin(), got.end());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nkinase-bench: %s\n", e.what());
    return 1;
  }
  if (o.python) {
    std::vector<Result> py = run_python_peers(o, rows);
    // Keep each instance's rows together: C++ tools first, then the Python peers.
    for (Result& r : py) {
      const auto at = std::find_if(rows.rbegin(), rows.rend(),
                                   [&](const Result& c) { return c.problem == r.problem && c.instance == r.instance; });
      rows.insert(at.base(), std::move(r));
    }
  }
  assign_ranks(rows);
  suite::progress("");
  std::fprintf(stderr, "\n");

  std::printf("# kinase-bench: derivative time / primal time on ADBench's instances (compiler %s)\n", __VERSION__);
  std::printf(
      "# every derivative checked against ADBench's expected output (|a-b|/max(1,|a|+|b|) <= 1e-8) before "
      "timing; median of %d interleaved rounds; rank by derivative time\n",
      o.config.repeat);
  print_table(rows);
  bool ok = write_json(o, rows);
  std::printf("# results: %s", o.json_path.c_str());
  if (o.plot && write_plot(o, rows)) std::printf(", plot: %s", o.plot_path.c_str());
  std::printf(" (%.0f s)\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  // A tool whose derivative differs from ADBench's fails the run.
  for (const Result& r : rows)
    if (r.status == "mismatch") {
      std::fprintf(stderr, "kinase-bench: %s on %s %s differs from ADBench's expected output (%.3g)\n", r.tool.c_str(),
                   r.problem.c_str(), r.instance.c_str(), r.max_error);
      ok = false;
    }
  return ok ? 0 : 1;
}
