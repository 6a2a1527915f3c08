// B1 and B5 (design §7): the gradient of the extended Rosenbrock function
//   f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)²,   n = 10⁶ (10⁵ with --quick),
// by reverse mode. The objective is written once, as a template, and run on double (the primal), on kinase::Real
// through kinase::gradient(kinase::Reverse, ...) (recording and sweep on every call), on ADOL-C's adouble (re-taped
// on every call, and taped once then only swept: "adolc-reuse"), and on Sacado's reverse mode (Sacado::Rad::ADvar).
// A hand-written value and gradient ("manual") is the floor. B1's figure is the ratio gradient time / primal time;
// B5's is the peak resident memory of ONE gradient, measured per tool in a fresh child process. Correctness first:
// every tool's gradient must match the hand-written one to 1e-10 (relative), or nothing is timed.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <kinase/kinase.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// Peers, from Debian's packages: ADOL-C (libadolc) and Sacado's header-only reverse mode (Trilinos).
#include <adolc/adolc.h>

#include <Sacado_trad.hpp>

#include "adolc_rosenbrock.hpp"
#include "harness.hpp"
#include "rosenbrock.hpp"

namespace {

namespace bench = kinase::bench;

constexpr const char* kB1 = "b1_rosenbrock_gradient";
constexpr const char* kB5 = "b5_rosenbrock_memory";

using bench::adolc_tape;
using bench::rosenbrock;
const auto make_point = bench::rosenbrock_point;

// --- the tools: each writes the gradient at x into g (g has x's size) ----------------------------------------------

struct Primal {
  static double value(const std::vector<double>& x) { return rosenbrock(x); }
};

// The floor: value and gradient by hand, in one pass. ∂f/∂x_i = −400 x_i t_i − 2 (1 − x_i) + 200 t_{i−1}, where
// t_i = x_{i+1} − x_i².
struct Manual {
  static constexpr const char* name = "manual";
  static double gradient(const std::vector<double>& x, std::vector<double>& g) {
    const std::size_t n = x.size();
    double s = 0, carry = 0;  // carry: 200 t_{i−1}, the term that x_i gets from the previous summand
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double t = x[i + 1] - x[i] * x[i], u = 1.0 - x[i];
      s += 100.0 * t * t + u * u;
      g[i] = carry - 400.0 * x[i] * t - 2.0 * u;
      carry = 200.0 * t;
    }
    if (n > 0) g[n - 1] = carry;
    return s;
  }
};

// Kinase through its user-level API (the seed's gradient!): every call records the function on the per-thread,
// reused tape and sweeps, writing into g.
struct KinaseTape {
  static constexpr const char* name = "kinase-tape";
  static void gradient(const std::vector<double>& x, std::vector<double>& g) {
    kinase::gradient_into(
        kinase::Reverse, g, [](const auto& v) { return rosenbrock(v); }, x);
  }
};

// Kinase's tape used directly, to split a gradient into recording and sweep (the profile printed beside B1).
struct KinaseDirect {
  kinase::Tape<double> tape;
  std::vector<kinase::Real<double>> xs;
  kinase::Real<double> y;

  void record(const std::vector<double>& x) {
    // Outside a Recording the old Reals just drop their indices; then the tape starts over with its memory kept.
    xs.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) xs[i] = x[i];
    y = 0.0;
    tape.reset();
    kinase::Recording<double> recording(tape);
    for (kinase::Real<double>& v : xs) tape.register_input(v);
    y = rosenbrock(xs);
  }
  void sweep(std::vector<double>& g) {
    tape.clear_adjoints();
    tape.adjoint(y) = 1.0;
    tape.evaluate();
    for (std::size_t i = 0; i < xs.size(); ++i) g[i] = tape.adjoint(xs[i]);
  }
};

// ADOL-C as a user with changing control flow has to use it: re-tape, then gradient() (a forward sweep that
// recomputes the values, then the reverse sweep).
struct Adolc {
  static constexpr const char* name = "adolc";
  static constexpr short tag = 1;
  static void gradient(const std::vector<double>& x, std::vector<double>& g) {
    adolc_tape(tag, x);
    ::gradient(tag, static_cast<int>(x.size()), x.data(), g.data());
  }
};

// ADOL-C's best case: the tape recorded once (this function has no branches), then only gradient() per call.
struct AdolcReuse {
  static constexpr const char* name = "adolc-reuse";
  static constexpr short tag = 2;
  static void prepare(const std::vector<double>& x) { adolc_tape(tag, x); }
  static void gradient(const std::vector<double>& x, std::vector<double>& g) {
    ::gradient(tag, static_cast<int>(x.size()), x.data(), g.data());
  }
};

// Sacado's reverse mode (RAD): every operation allocates a node in a global arena, which Gradcomp sweeps and then
// recycles for the next recording.
struct SacadoRad {
  static constexpr const char* name = "sacado";
  using S = Sacado::Rad::ADvar<double>;
  static void gradient(const std::vector<double>& x, std::vector<double>& g) {
    std::vector<S> ax(x.begin(), x.end());
    S y = rosenbrock(ax);
    S::Gradcomp();
    for (std::size_t i = 0; i < x.size(); ++i) g[i] = ax[i].adj();
  }
};

// The tape's file-access flags must stay 0: the whole tape in memory.
bool adolc_in_memory(short tag, std::size_t n) {
  std::size_t stats[STAT_SIZE];
  tapestats(tag, stats);
  if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS]) {
    std::fprintf(stderr, "B1: ADOL-C tape %d went to files (operations %zu, locations %zu, values %zu for n = %zu)\n",
                 tag, stats[NUM_OPERATIONS], stats[NUM_LOCATIONS], stats[NUM_VALUES], n);
    return false;
  }
  return true;
}

// --- correctness -------------------------------------------------------------------------------------------------

// Every component within 1e-10 of the hand-written gradient, relative to max(|a|, |b|, 1).
bool agrees(const char* tool, const std::vector<double>& got, const std::vector<double>& want, double& worst) {
  if (got.size() != want.size()) {
    std::fprintf(stderr, "B1: %s returned %zu components, expected %zu\n", tool, got.size(), want.size());
    return false;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double diff = std::abs(got[i] - want[i]) / std::max({std::abs(got[i]), std::abs(want[i]), 1.0});
    worst = std::max(worst, diff);
    if (!(diff <= 1e-10)) {
      std::fprintf(stderr, "B1: %s's gradient[%zu] = %.17g, the hand-written one gives %.17g\n", tool, i, got[i],
                   want[i]);
      return false;
    }
  }
  return true;
}

// --- B5: one gradient in a fresh process -----------------------------------------------------------------------

// The child's part: allocate the point and the gradient, note the resident set, run ONE gradient of `tool`, and
// print "<RSS before, MB> <peak RSS, MB>".
int b5_child(std::string_view tool, std::size_t n) {
  const std::vector<double> x = make_point(n);
  std::vector<double> g(n, 0.0);
  const double before = bench::peak_rss_mb();
  double value = 0;
  if (tool == "primal")
    value = Primal::value(x);
  else if (tool == Manual::name)
    value = Manual::gradient(x, g);
  else if (tool == KinaseTape::name)
    KinaseTape::gradient(x, g);
  else if (tool == Adolc::name)
    Adolc::gradient(x, g);
  else if (tool == SacadoRad::name)
    SacadoRad::gradient(x, g);
  else
    return 2;
  bench::escape(&value);
  bench::escape(g.data());
  std::printf("%.3f %.3f\n", before, bench::peak_rss_mb());
  return 0;
}

struct Memory {
  double before_mb = std::nan("");
  double peak_mb = std::nan("");
};

Memory b5_measure(const std::string& tool, std::size_t n) {
  Memory m;
  const auto out = bench::run_self_in_child({"--b5-child", tool, std::to_string(n)});
  if (!out) {
    std::fprintf(stderr, "B5: the child process for %s failed\n", tool.c_str());
    return m;
  }
  std::istringstream in(*out);
  in >> m.before_mb >> m.peak_mb;
  return m;
}

// n gradient evaluations of Tool.
template <class Tool>
auto gradient_case(const std::vector<double>& x, std::vector<double>& g) {
  return [&x, &g](std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
      bench::escape(x.data());
      Tool::gradient(x, g);
      bench::escape(g.data());
    }
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--b5-child")
    return b5_child(argv[2], static_cast<std::size_t>(std::strtoull(argv[3], nullptr, 10)));
  const bench::Options options = bench::parse_options(argc, argv, "bench/results/b1.json");
  const std::size_t n = options.quick ? 100000 : 1000000;
  bench::Settings settings = bench::settings_for(options);
  if (!options.quick) settings.rounds = 31;  // a round of every tool takes about a second at n = 10⁶

  std::printf("# B1: gradient of the extended Rosenbrock function, n = %zu (compiler %s)\n", n, __VERSION__);
  if (options.quick)
    std::printf("# QUICK RUN (--quick): n = 10^5 and %d rounds; the full run uses n = 10^6\n", settings.rounds);

  // Correctness before speed.
  const std::vector<double> x = make_point(n);
  std::vector<double> want(n), g(n);
  const double value = Manual::gradient(x, want);
  if (!(std::abs(value - Primal::value(x)) <= 1e-12 * std::abs(value))) {
    std::fprintf(stderr, "B1: the hand-written value %.17g differs from the primal %.17g\n", value, Primal::value(x));
    return 1;
  }
  AdolcReuse::prepare(x);
  KinaseDirect direct;
  double worst = 0.0;
  bool ok = true;
  const auto check = [&](const char* tool, auto&& compute) {
    std::fill(g.begin(), g.end(), std::nan(""));
    compute();
    ok = ok && agrees(tool, g, want, worst);
  };
  check(KinaseTape::name, [&] { KinaseTape::gradient(x, g); });
  check(KinaseTape::name, [&] { KinaseTape::gradient(x, g); });  // again, on the reused tape
  check("kinase (direct tape)", [&] {
    direct.record(x);
    direct.sweep(g);
  });
  check(Adolc::name, [&] { Adolc::gradient(x, g); });
  check(AdolcReuse::name, [&] { AdolcReuse::gradient(x, g); });
  check(SacadoRad::name, [&] { SacadoRad::gradient(x, g); });
  check(SacadoRad::name, [&] { SacadoRad::gradient(x, g); });
  ok = ok && adolc_in_memory(Adolc::tag, n) && adolc_in_memory(AdolcReuse::tag, n);
  if (!ok) {
    std::fprintf(stderr, "B1: the gradients do not agree; nothing was timed\n");
    return 1;
  }
  std::printf("# every gradient matches the hand-written one to %.1e (relative)\n", worst);
  const kinase::TapeStats stats = direct.tape.stats();
  std::printf("# kinase tape: %zu statements, %zu arguments, %.1f bytes per statement (%.1f MB used, %.1f MB held)\n",
              stats.statements, stats.arguments, stats.bytes_per_statement(),
              static_cast<double>(stats.bytes_used) / (1 << 20), static_cast<double>(stats.bytes_reserved) / (1 << 20));

  // B5 first: each tool in its own process.
  const std::vector<std::string> memory_tools = {"primal", KinaseTape::name, Adolc::name, SacadoRad::name,
                                                 Manual::name};
  std::vector<Memory> memory;
  for (const std::string& tool : memory_tools) memory.push_back(b5_measure(tool, n));
  const auto peak_of = [&](std::string_view tool) {
    for (std::size_t t = 0; t < memory_tools.size(); ++t)
      if (memory_tools[t] == tool) return memory[t].peak_mb;
    return std::nan("");
  };

  // B1: everything interleaved in one process.
  std::vector<double> g_kinase(n), g_adolc(n), g_reuse(n), g_sacado(n), g_manual(n), g_split(n);
  double primal_value = 0;
  const std::vector<bench::Case> cases = {
      {"primal",
       [&](std::size_t count) {
         for (std::size_t k = 0; k < count; ++k) {
           bench::escape(x.data());
           primal_value = Primal::value(x);
           bench::escape(&primal_value);
         }
       }},
      {KinaseTape::name, gradient_case<KinaseTape>(x, g_kinase)},
      {Adolc::name, gradient_case<Adolc>(x, g_adolc)},
      {AdolcReuse::name, gradient_case<AdolcReuse>(x, g_reuse)},
      {SacadoRad::name, gradient_case<SacadoRad>(x, g_sacado)},
      {Manual::name,
       [&](std::size_t count) {
         for (std::size_t k = 0; k < count; ++k) {
           bench::escape(x.data());
           primal_value = Manual::gradient(x, g_manual);
           bench::escape(g_manual.data());
         }
       }},
      {"kinase record",
       [&](std::size_t count) {
         for (std::size_t k = 0; k < count; ++k) direct.record(x);
       }},
      {"kinase sweep",
       [&](std::size_t count) {
         for (std::size_t k = 0; k < count; ++k) {
           direct.sweep(g_split);
           bench::escape(g_split.data());
         }
       }},
  };
  std::printf("# median ns per evaluation over %d interleaved rounds of >= %.1f ms batches\n", settings.rounds,
              settings.batch_ns * 1e-6);
  const std::vector<double> ns = bench::measure_interleaved(cases, settings);

  std::vector<bench::Row> rows;
  for (std::size_t t = 1; t <= 5; ++t) {
    bench::Row row = bench::make_row(kB1, cases[t].name, ns[0], ns[t]);
    row.extra.emplace_back("peak_rss_mb", peak_of(cases[t].name == AdolcReuse::name ? Adolc::name : cases[t].name));
    if (cases[t].name == KinaseTape::name) {
      row.extra.emplace_back("record_ns", ns[6]);
      row.extra.emplace_back("sweep_ns", ns[7]);
      row.extra.emplace_back("bytes_per_statement", stats.bytes_per_statement());
    }
    rows.push_back(std::move(row));
  }
  bench::print_table(rows);
  std::printf(
      "# kinase-tape split (direct tape use): recording %.2f ms (%.1f x primal), sweep %.2f ms (%.1f x primal); "
      "the API call: %.2f ms\n",
      ns[6] * 1e-6, ns[6] / ns[0], ns[7] * 1e-6, ns[7] / ns[0], ns[1] * 1e-6);

  std::printf(
      "\n# B5: peak resident memory (VmHWM, MB = 2^20 bytes) of ONE gradient, each tool in a fresh process; "
      "\"before\" is the process with x and g allocated\n");
  std::printf("# (adolc re-tapes and sweeps: adolc-reuse needs the same tape, so it is not listed separately)\n");
  std::vector<bench::Row> memory_rows;
  const double nan = std::nan("");
  for (std::size_t t = 0; t < memory_tools.size(); ++t) {
    bench::Row row{kB5, memory_tools[t], nan, nan, nan};
    row.extra.emplace_back("peak_rss_mb", memory[t].peak_mb);
    row.extra.emplace_back("before_mb", memory[t].before_mb);
    row.extra.emplace_back("primal_peak_rss_mb", peak_of("primal"));
    memory_rows.push_back(std::move(row));
  }
  std::printf("%-12s  %12s  %10s  %14s\n", "tool", "peak RSS MB", "before MB", "gradient MB");
  for (std::size_t t = 0; t < memory_tools.size(); ++t)
    std::printf("%-12s  %12.1f  %10.1f  %14.1f\n", memory_tools[t].c_str(), memory[t].peak_mb, memory[t].before_mb,
                memory[t].peak_mb - memory[t].before_mb);

  rows.insert(rows.end(), memory_rows.begin(), memory_rows.end());
  bool memory_ok = true;
  for (const Memory& m : memory) memory_ok = memory_ok && std::isfinite(m.peak_mb);
  return bench::write_json(options.json_path, rows) && memory_ok ? 0 : 1;
}
