// B3 (design §7): the value and 8×8 Jacobian of a smooth 8-in/8-out map by 8-lane forward mode, in one sweep.
// The map is written once, generically, and run on double (the primal), kinase::Dual<double, 8>, Eigen's
// AutoDiffScalar<Matrix<double, 8, 1>> and Ceres' Jet<double, 8>. Each tool seeds x[j] with the unit tangent e_j,
// evaluates, and copies out the 8 values and the 64 partials. The figure is the ratio Jacobian time / primal time.
// A hand-written Jacobian ("manual") is timed beside them as the floor. Correctness before speed: all tools must agree
// to 1e-12 (relative) and with central differences, or the benchmark stops without timing anything.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

// Peers, header-only: Eigen's unsupported AutoDiff module and Ceres' Jet (no Ceres library is linked).
#include <ceres/jet.h>

#include <unsupported/Eigen/AutoDiff>

#include "harness.hpp"

namespace {

constexpr int kIn = 8;
constexpr int kOut = 8;
constexpr int kResults = kOut + kOut * kIn;  // the values, then the Jacobian row by row: J(i, j) = ∂y_i/∂x_j
constexpr const char* kBenchmark = "b3_jacobian_8x8";

// The objective: each output mixes four inputs through trig, exp and log. (log(1 + d²) rather than log1p, which
// Eigen's AutoDiffScalar does not provide.)
template <class S>
void b3_map(const S* x, S* y) {
  using std::cos;
  using std::exp;
  using std::log;
  using std::sin;
  for (int i = 0; i < kOut; ++i) {
    const S& a = x[i];
    const S& b = x[(i + 1) % kIn];
    const S& c = x[(i + 3) % kIn];
    const S& d = x[(i + 5) % kIn];
    y[i] = sin(a) * exp(0.3 * b) + cos(a * c) + log(1.0 + d * d);
  }
}

// The point the benchmark evaluates at; every iteration shifts it slightly so that no work can be hoisted.
constexpr std::array<double, kIn> kPoint = {0.31, -0.72, 1.13, 0.45, -1.27, 0.88, -0.09, 0.62};

struct Primal {
  static void evaluate(const double* x, double* out) { b3_map(x, out); }
};

struct KinaseForward {
  static constexpr const char* name = "kinase-forward";
  using S = kinase::Dual<double, kIn>;
  static void evaluate(const double* x, double* out) {
    S xs[kIn], ys[kOut];
    for (int j = 0; j < kIn; ++j) {
      xs[j].primal = x[j];
      xs[j].tangent.fill(0.0);
      xs[j].tangent[j] = 1.0;
    }
    b3_map(xs, ys);
    for (int i = 0; i < kOut; ++i) {
      out[i] = ys[i].primal;
      for (int j = 0; j < kIn; ++j) out[kOut + kIn * i + j] = ys[i].tangent[j];
    }
  }
};

// The floor: the Jacobian written by hand from the map's formula (what a person would write; design §7's
// "manual"). It shares every libm call between value and derivative, so it shows what the map allows.
struct Manual {
  static constexpr const char* name = "manual";
  static void evaluate(const double* x, double* out) {
    for (int i = 0; i < kOut; ++i) {
      const int ia = i, ib = (i + 1) % kIn, ic = (i + 3) % kIn, id = (i + 5) % kIn;
      const double a = x[ia], b = x[ib], c = x[ic], d = x[id];
      const double sa = std::sin(a), ca = std::cos(a), e = std::exp(0.3 * b), ac = a * c;
      const double cos_ac = std::cos(ac), sin_ac = std::sin(ac), q = 1.0 + d * d;
      out[i] = sa * e + cos_ac + std::log(q);
      double* row = out + kOut + kIn * i;
      for (int j = 0; j < kIn; ++j) row[j] = 0.0;
      row[ia] += ca * e - sin_ac * c;
      row[ib] += 0.3 * sa * e;
      row[ic] -= sin_ac * a;
      row[id] += 2.0 * d / q;
    }
  }
};

struct EigenAutoDiff {
  static constexpr const char* name = "eigen";
  using S = Eigen::AutoDiffScalar<Eigen::Matrix<double, kIn, 1>>;
  static void evaluate(const double* x, double* out) {
    S xs[kIn], ys[kOut];
    for (int j = 0; j < kIn; ++j) xs[j] = S(x[j], kIn, j);  // value x_j, derivatives e_j
    b3_map(xs, ys);
    for (int i = 0; i < kOut; ++i) {
      out[i] = ys[i].value();
      for (int j = 0; j < kIn; ++j) out[kOut + kIn * i + j] = ys[i].derivatives()(j);
    }
  }
};

struct CeresJet {
  static constexpr const char* name = "ceres";
  using S = ceres::Jet<double, kIn>;
  static void evaluate(const double* x, double* out) {
    S xs[kIn], ys[kOut];
    for (int j = 0; j < kIn; ++j) xs[j] = S(x[j], j);  // value x_j, derivatives e_j
    b3_map(xs, ys);
    for (int i = 0; i < kOut; ++i) {
      out[i] = ys[i].a;
      for (int j = 0; j < kIn; ++j) out[kOut + kIn * i + j] = ys[i].v[j];
    }
  }
};

// n evaluations of Tool at points that move a little each iteration; `Size` doubles of output per evaluation.
template <class Tool, int Size>
void run_batch(std::size_t n) {
  std::array<double, kIn> base = kPoint;
  kinase::bench::escape(base.data());  // the compiler may not assume the point's values
  std::array<double, kIn> x;
  std::array<double, Size> out;
  for (std::size_t k = 0; k < n; ++k) {
    const double shift = 1.0e-6 * static_cast<double>(k & 255u);
    for (int j = 0; j < kIn; ++j) x[j] = base[j] + shift;
    Tool::evaluate(x.data(), out.data());
    kinase::bench::escape(out.data());
  }
}

// |a − b| relative to the larger magnitude (0 when both are 0).
double relative_difference(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0.0 ? 0.0 : std::abs(a - b) / scale;
}

// The tools agree with one another (1e-12 relative), their values with the primal, and their partials with
// central differences of the primal (a loose check that they are right, not just alike).
bool check(const std::array<double, kIn>& x, double& worst) {
  std::array<double, kOut> value{};
  Primal::evaluate(x.data(), value.data());
  std::array<std::array<double, kResults>, 4> got{};
  KinaseForward::evaluate(x.data(), got[0].data());
  EigenAutoDiff::evaluate(x.data(), got[1].data());
  CeresJet::evaluate(x.data(), got[2].data());
  Manual::evaluate(x.data(), got[3].data());
  const char* names[4] = {KinaseForward::name, EigenAutoDiff::name, CeresJet::name, Manual::name};
  bool ok = true;
  const auto what = [](int r) {
    return r < kOut ? "y[" + std::to_string(r) + "]"
                    : "J(" + std::to_string((r - kOut) / kIn) + ", " + std::to_string((r - kOut) % kIn) + ")";
  };
  for (int r = 0; r < kResults; ++r) {
    for (int t = 1; t < 4; ++t) {
      const double diff = relative_difference(got[0][r], got[t][r]);
      worst = std::max(worst, diff);
      if (!(diff <= 1e-12)) {
        std::fprintf(stderr, "B3: %s and %s disagree on %s: %.17g vs %.17g\n", names[0], names[t], what(r).c_str(),
                     got[0][r], got[t][r]);
        ok = false;
      }
    }
  }
  for (int i = 0; i < kOut; ++i) {
    if (!(relative_difference(got[0][i], value[i]) <= 1e-12)) {
      std::fprintf(stderr, "B3: %s's y[%d] = %.17g, the primal gives %.17g\n", names[0], i, got[0][i], value[i]);
      ok = false;
    }
  }
  const double h = 1e-6;
  for (int j = 0; j < kIn; ++j) {
    std::array<double, kIn> up = x, down = x;
    up[j] += h;
    down[j] -= h;
    std::array<double, kOut> y_up{}, y_down{};
    Primal::evaluate(up.data(), y_up.data());
    Primal::evaluate(down.data(), y_down.data());
    for (int i = 0; i < kOut; ++i) {
      const double fd = (y_up[i] - y_down[i]) / (2 * h);
      const double ad = got[0][kOut + kIn * i + j];
      if (std::abs(fd - ad) > 1e-6 * (1.0 + std::abs(ad))) {
        std::fprintf(stderr, "B3: J(%d, %d) = %.17g, central differences give %.17g\n", i, j, ad, fd);
        ok = false;
      }
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  namespace bench = kinase::bench;
  const bench::Options options = bench::parse_options(argc, argv, "bench/results/b3.json");

  double worst = 0.0;  // the largest relative difference between two tools' results
  for (const double shift : {0.0, 1e-6 * 255, 0.5, -1.5}) {
    std::array<double, kIn> x = kPoint;
    for (double& v : x) v += shift;
    if (!check(x, worst)) {
      std::fprintf(stderr, "B3: the Jacobians do not agree; nothing was timed\n");
      return 1;
    }
  }

  const std::vector<bench::Case> cases = {
      {"primal", run_batch<Primal, kOut>},
      {KinaseForward::name, run_batch<KinaseForward, kResults>},
      {EigenAutoDiff::name, run_batch<EigenAutoDiff, kResults>},
      {CeresJet::name, run_batch<CeresJet, kResults>},
      {Manual::name, run_batch<Manual, kResults>},
  };
  const bench::Settings settings = bench::settings_for(options);
  std::printf("# B3: value and 8x8 Jacobian by 8-lane forward mode (compiler %s)\n", __VERSION__);
  std::printf("# the tools agree to %.1e (relative) and with central differences\n", worst);
  std::printf("# median ns per evaluation over %d interleaved rounds of ~%.1f ms batches\n", settings.rounds,
              settings.batch_ns * 1e-6);
  const std::vector<double> ns = bench::measure_interleaved(cases, settings);

  std::vector<bench::Row> rows;
  for (std::size_t t = 1; t < cases.size(); ++t)
    rows.push_back(bench::make_row(kBenchmark, cases[t].name, ns[0], ns[t]));
  bench::print_table(rows);
  return bench::write_json(options.json_path, rows) ? 0 : 1;
}
