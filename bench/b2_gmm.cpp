// B2 (design §7): the gradient of ADBench's GMM objective on gmm/1k/gmm_d10_K25 (d = 10, K = 25, n = 1000; 1650
// parameters). The objective is written once (adbench/gmm.hpp) and run on double (the primal), on kinase::Real
// through kinase::gradient(Reverse, ...) and, when ADOL-C's headers are installed, on adouble: taped at every call
// ("adolc") and taped once and replayed ("adolc-reuse"). A hand-written gradient ("manual") is the floor.
// The figure is the ratio gradient time / primal time. Correctness before speed: every tool's objective and gradient
// must match ADBench's expected/ files to 1e-8 (ADBench's measure |a − b| / max(1, |a| + |b|)), or nothing is timed.
//
// Options: those of the harness (--quick, --json PATH) and --data DIR, the ADBench data folder (default: the
// KINASE_ADBENCH_DIR definition when the build gives one, else ../shared/adbench from the working directory).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <kinase/kinase.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adbench/gmm.hpp"
#include "adbench/gmm_io.hpp"
#include "adbench/gmm_manual.hpp"
#include "harness.hpp"

#if __has_include(<adolc/adolc.h>)
#include <adolc/adolc.h>
#define KINASE_B2_HAVE_ADOLC 1
#endif

namespace {

namespace ad = kinase::adbench;
namespace bench = kinase::bench;

constexpr const char* kInput = "gmm/1k/gmm_d10_K25.txt";
constexpr const char* kBenchmark = "b2_gmm_d10_K25";

#ifdef KINASE_ADBENCH_DIR
constexpr const char* kDefaultData = KINASE_ADBENCH_DIR;
#else
constexpr const char* kDefaultData = "../shared/adbench";
#endif

/// The objective as the engines call it: f(parameters) with the points bound.
struct Objective {
  const ad::GmmInput* input;
  template <class V>
  auto operator()(const V& params) const {
    return ad::gmm_objective(*input, params.data());
  }
};

#ifdef KINASE_B2_HAVE_ADOLC
/// ADOL-C on the same objective. Its tape lives in buffers sized at trace_on; a tape larger than them spills to files,
/// so the buffers are sized from a first recording's statistics (a little more, never a file).
class Adolc {
 public:
  explicit Adolc(const ad::GmmInput& input) : input_(&input), n_(ad::gmm_parameter_count(input)) {
    // A first recording with generous buffers (only the touched pages cost), to learn the tape's size.
    const std::size_t guess = std::size_t(input.n) * std::size_t(input.k) * std::size_t(input.d * input.d * 4 + 64);
    sizes_ = {guess, guess, guess, guess};
    std::vector<double> x = ad::gmm_parameters(input), g(n_);
    record_and_sweep(x, g.data());
    std::size_t stats[STAT_SIZE];
    tapestats(kTag, stats);
    const auto margin = [](std::size_t v) { return v + v / 64 + 4096; };
    sizes_ = {margin(stats[NUM_OPERATIONS]), margin(stats[NUM_LOCATIONS]), margin(stats[NUM_VALUES]),
              margin(stats[TAY_STACK_SIZE])};
  }

  /// "adolc": record the objective (keeping the values for the sweep), then one reverse sweep.
  double record_and_sweep(const std::vector<double>& x, double* grad) {
    trace_on(kTag, 1, unsigned(sizes_[0]), unsigned(sizes_[1]), unsigned(sizes_[2]), unsigned(sizes_[3]));
    double f = 0.0;
    {
      std::vector<adouble> p(n_);
      for (std::size_t i = 0; i < n_; ++i) p[i] <<= x[i];
      adouble y = ad::gmm_objective(*input_, p.data());
      y >>= f;
    }
    trace_off();
    double seed = 1.0;
    if (fos_reverse(kTag, 1, int(n_), &seed, grad) < 0) throw std::runtime_error("ADOL-C: fos_reverse failed");
    return f;
  }

  /// "adolc-reuse": replay the recorded tape at x (a zero-order forward sweep keeping the values), then reverse.
  double replay(const std::vector<double>& x, double* grad) {
    double f = 0.0, seed = 1.0;
    if (zos_forward(kTag, 1, int(n_), 1, x.data(), &f) < 0) throw std::runtime_error("ADOL-C: zos_forward failed");
    if (fos_reverse(kTag, 1, int(n_), &seed, grad) < 0) throw std::runtime_error("ADOL-C: fos_reverse failed");
    return f;
  }

  /// True when the tape stayed in memory (no operation, location or value file was written).
  static bool in_core() {
    std::size_t stats[STAT_SIZE];
    tapestats(kTag, stats);
    return stats[OP_FILE_ACCESS] == 0 && stats[LOC_FILE_ACCESS] == 0 && stats[VAL_FILE_ACCESS] == 0;
  }

 private:
  static constexpr short kTag = 1;
  const ad::GmmInput* input_;
  std::size_t n_;
  std::array<std::size_t, 4> sizes_{};
};
#endif

/// Largest ADBench difference between a tool's results and the expected ones; prints the first mismatches.
double compare(const char* tool, double objective, const std::vector<double>& grad, const ad::GmmExpected& expected,
               bool& ok) {
  double worst = ad::adbench_difference(objective, expected.objective);
  if (!(worst <= 1e-8)) {
    std::fprintf(stderr, "B2: %s's objective is %.17g, expected %.17g\n", tool, objective, expected.objective);
    ok = false;
  }
  int reported = 0;
  for (std::size_t i = 0; i < grad.size(); ++i) {
    const double diff = ad::adbench_difference(grad[i], expected.gradient[i]);
    worst = std::max(worst, diff);
    if (!(diff <= 1e-8)) {
      if (reported++ < 5)
        std::fprintf(stderr, "B2: %s's gradient[%zu] is %.17g, expected %.17g\n", tool, i, grad[i],
                     expected.gradient[i]);
      ok = false;
    }
  }
  return worst;
}

/// Takes `--data DIR` (or `--data=DIR`) out of the arguments; the rest go to the harness.
std::string take_data_option(int& argc, char** argv) {
  std::string data = kDefaultData;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (arg.starts_with("--data=")) {
      data = std::string(arg.substr(7));
    } else {
      if (arg == "--help" || arg == "-h") std::printf("B2 also takes --data DIR (default: %s)\n", kDefaultData);
      argv[out++] = argv[i];
    }
  }
  argc = out;
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path data = take_data_option(argc, argv);
  const bench::Options options = bench::parse_options(argc, argv, "bench/results/b2.json");

  ad::GmmInput input;
  ad::GmmExpected expected;
  try {
    input = ad::read_gmm_input(data / kInput);
    expected = ad::read_gmm_expected(data, kInput, ad::gmm_parameter_count(input));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "B2: %s (give the ADBench data folder with --data DIR)\n", e.what());
    return 1;
  }
  const std::vector<double> x = ad::gmm_parameters(input);
  const std::size_t count = x.size();
  const Objective f{&input};

  // --- correctness, before any timing -----------------------------------------------------------------------------
  bool ok = true;
  std::vector<std::pair<std::string, double>> worst;
  {
    const double primal = ad::gmm_objective(input, x.data());
    worst.emplace_back("primal", ad::adbench_difference(primal, expected.objective));
    if (!(worst.back().second <= 1e-8)) {
      std::fprintf(stderr, "B2: the primal objective is %.17g, expected %.17g\n", primal, expected.objective);
      ok = false;
    }

    const auto with_primal = kinase::gradient(kinase::ReverseWithPrimal, f, x);
    double w = compare("kinase-tape", with_primal.primal, with_primal.derivative, expected, ok);
    const std::vector<double> g = kinase::gradient(kinase::Reverse, f, x);  // the timed call, checked too
    worst.emplace_back("kinase-tape", std::max(w, compare("kinase-tape", with_primal.primal, g, expected, ok)));

    std::vector<double> manual(count);
    const double fm = ad::gmm_objective_and_gradient(input, x.data(), manual.data());
    worst.emplace_back("manual", compare("manual", fm, manual, expected, ok));
  }
#ifdef KINASE_B2_HAVE_ADOLC
  Adolc adolc(input);
  {
    std::vector<double> g(count);
    const double fr = adolc.record_and_sweep(x, g.data());
    worst.emplace_back("adolc", compare("adolc", fr, g, expected, ok));
    std::fill(g.begin(), g.end(), 0.0);
    const double fp = adolc.replay(x, g.data());
    worst.emplace_back("adolc-reuse", compare("adolc-reuse", fp, g, expected, ok));
    if (!Adolc::in_core()) {
      std::fprintf(stderr, "B2: ADOL-C's tape spilled to files\n");
      ok = false;
    }
  }
#endif
  if (!ok) {
    std::fprintf(stderr, "B2: results differ from ADBench's expected output; nothing was timed\n");
    return 1;
  }

  // --- timing -----------------------------------------------------------------------------------------------------
  std::vector<double> grad(count);
  std::vector<bench::Case> cases = {
      {"primal",
       [&](std::size_t n) {
         for (std::size_t k = 0; k < n; ++k) {
           bench::escape(x.data());
           const double y = ad::gmm_objective(input, x.data());
           bench::escape(&y);
         }
       }},
      {"kinase-tape",
       [&](std::size_t n) {
         for (std::size_t k = 0; k < n; ++k) {
           bench::escape(x.data());
           const std::vector<double> g = kinase::gradient(kinase::Reverse, f, x);
           bench::escape(g.data());
         }
       }},
      {"manual",
       [&](std::size_t n) {
         for (std::size_t k = 0; k < n; ++k) {
           bench::escape(x.data());
           const double y = ad::gmm_objective_and_gradient(input, x.data(), grad.data());
           bench::escape(&y);
           bench::escape(grad.data());
         }
       }},
  };
#ifdef KINASE_B2_HAVE_ADOLC
  cases.push_back({"adolc", [&](std::size_t n) {
                     for (std::size_t k = 0; k < n; ++k) {
                       bench::escape(x.data());
                       const double y = adolc.record_and_sweep(x, grad.data());
                       bench::escape(&y);
                       bench::escape(grad.data());
                     }
                   }});
  cases.push_back({"adolc-reuse", [&](std::size_t n) {
                     for (std::size_t k = 0; k < n; ++k) {
                       bench::escape(x.data());
                       const double y = adolc.replay(x, grad.data());
                       bench::escape(&y);
                       bench::escape(grad.data());
                     }
                   }});
#endif

  const bench::Settings settings = bench::settings_for(options);
  std::printf("# B2: gradient of ADBench's GMM objective, %s (d=%d K=%d n=%d, %zu parameters; compiler %s)\n", kInput,
              input.d, input.k, input.n, count, __VERSION__);
  std::printf("# largest difference from ADBench's expected output (|a-b|/max(1,|a|+|b|), limit 1e-8):");
  for (const auto& [tool, w] : worst) std::printf(" %s %.1e", tool.c_str(), w);
#ifndef KINASE_B2_HAVE_ADOLC
  std::printf("\n# ADOL-C's headers were not found: no adolc rows");
#endif
  std::printf("\n# median ns per evaluation over %d interleaved rounds of >= %.1f ms batches\n", settings.rounds,
              settings.batch_ns * 1e-6);
  const std::vector<double> ns = bench::measure_interleaved(cases, settings);

  std::vector<bench::Row> rows;
  for (std::size_t t = 1; t < cases.size(); ++t)
    rows.push_back(bench::make_row(kBenchmark, cases[t].name, ns[0], ns[t]));
  bench::print_table(rows);
  return bench::write_json(options.json_path, rows) ? 0 : 1;
}
