// B4 (design §7): the Hessian-vector product of the extended Rosenbrock function
//   f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)²,   n = 10⁵ (10⁴ with --quick),
// by second-order AD. The objective is written once, as a template, and run on double (the primal) and on every
// tool, in one process:
//   kinase-fwd-over-rev  Kinase's tape over forward duals (Tape<Dual<double, 1>>, forward over reverse) used
//                        directly: the inputs carry v in their tangent, one recording and one sweep give ∇f in the
//                        adjoints' primal parts and H·v in their tangents. The tape is reset and reused every call;
//   kinase-hvp           kinase::hvp(f, x, v), the user-level API (the same forward over reverse, on the API's
//                        per-thread tape; it returns a new vector every call);
//   sacado               Sacado's reverse mode (RAD) on values of its forward mode, Sacado::Rad::ADvar<
//                        Sacado::Fad::SFad<double, 1>>: forward over reverse, as Kinase's;
//   adolc-reuse          ADOL-C's hess_vec() on a tape recorded once, outside the timed loop;
//   manual               H·v written by hand (H is tridiagonal), the floor.
// Extra rows: the dense Hessian of the 2-D Rosenbrock function and of the n = 100 extended one by Kinase's forward
// over reverse with L = 8 lanes (Tape<Dual<double, 8>>, one recording and sweep per 8 columns). Correctness first:
// every tool's H·v (and both dense Hessians) must match the hand-written one to 1e-10 (relative), or nothing is timed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <kinase/kinase.hpp>
#include <string>
#include <type_traits>
#include <vector>

// Peers, from Debian's packages: ADOL-C (libadolc) and Sacado's header-only modes (Trilinos).
#include <adolc/adolc.h>

// Sacado's Fad headers would include its Teuchos-Comm interop (serialization traits, Kokkos views over MPI), which
// needs mpi.h and Teuchos' libraries; Fad arithmetic needs neither, so that interop is switched off (Sacado's
// configuration header has no include guard: it is read once through Sacado_ConfigDefs.h, then edited).
#include <Sacado_ConfigDefs.h>
#undef HAVE_SACADO_TEUCHOSCOMM
#undef HAVE_SACADO_TEUCHOSKOKKOSCOMM
#include <Sacado_Fad_SFad.hpp>
#include <Sacado_trad.hpp>

#include "adolc_rosenbrock.hpp"
#include "harness.hpp"
#include "rosenbrock.hpp"

namespace {

namespace bench = kinase::bench;

constexpr const char* kB4 = "b4_rosenbrock_hvp";

using bench::rosenbrock;
const auto make_point = bench::rosenbrock_point;
std::vector<double> make_direction(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::cos(0.91 * static_cast<double>(i)) + (i % 5 == 0 ? 0.25 : 0.0);
  return v;
}

// --- the tools: each writes H·v at x into hv (hv has x's size) -------------------------------------------------------

double primal(const std::vector<double>& x) { return rosenbrock(x); }

// The floor. With t_i = x_{i+1} − x_i², the Hessian is tridiagonal:
//   H_ii = [i < n−1] (1200 x_i² − 400 x_{i+1} + 2) + [i > 0] 200,   H_{i,i+1} = H_{i+1,i} = −400 x_i.
struct Manual {
  static constexpr const char* name = "manual";
  static void hvp(const std::vector<double>& x, const std::vector<double>& v, std::vector<double>& hv) {
    const std::size_t n = x.size();
    if (n == 0) return;
    double prev_off = 0.0, prev_v = 0.0;  // H_{i,i−1} and v_{i−1}
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double off = -400.0 * x[i];  // H_{i,i+1}
      const double diag = 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0 + (i > 0 ? 200.0 : 0.0);
      hv[i] = prev_off * prev_v + diag * v[i] + off * v[i + 1];
      prev_off = off;
      prev_v = v[i];
    }
    hv[n - 1] = prev_off * prev_v + (n > 1 ? 200.0 : 0.0) * v[n - 1];
  }
  /// The dense Hessian (row-major, n × n).
  static void hessian(const std::vector<double>& x, std::vector<double>& h) {
    const std::size_t n = x.size();
    std::fill(h.begin(), h.end(), 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      h[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
      h[(i + 1) * n + i + 1] += 200.0;
      h[i * n + i + 1] = h[(i + 1) * n + i] = -400.0 * x[i];
    }
  }
};

// Kinase's tape over Dual<double, 1>, used directly and reused: the inputs get x + ε v, one recording and one sweep
// with the output's adjoint seeded with 1 give ∇f (the adjoints' primals) and H·v (their tangents).
struct KinaseFwdOverRev {
  static constexpr const char* name = "kinase-fwd-over-rev";
  using D = kinase::Dual<double, 1>;
  kinase::Tape<D> tape;
  std::vector<kinase::Real<D>> xs;
  kinase::Real<D> y;

  void record(const std::vector<double>& x, const std::vector<double>& v) {
    // Outside a Recording the old Reals just drop their indices; then the tape starts over with its memory kept.
    xs.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) xs[i] = D(x[i], {v[i]});
    y = D(0.0);  // (y = 0.0 is ambiguous for Real<Dual>: Real(A) and operator=(const T&) both convert)
    tape.reset();
    kinase::Recording<D> recording(tape);
    for (kinase::Real<D>& xi : xs) tape.register_input(xi);
    y = rosenbrock(xs);
  }
  void sweep(std::vector<double>& hv, std::vector<double>& g) {
    tape.adjoint(y) = D(1.0);
    tape.evaluate();
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const D& a = tape.adjoint(xs[i]);
      hv[i] = a.tangent[0];
      g[i] = a.primal;
    }
  }
  void hvp(const std::vector<double>& x, const std::vector<double>& v, std::vector<double>& hv,
           std::vector<double>& g) {
    record(x, v);  // reset() cleared the adjoints
    sweep(hv, g);
  }
};

// Sacado: reverse mode (RAD) whose values are forward-mode Fads with one direction. Gradcomp() seeds the last
// variable (f) with 1 and sweeps; each input's adjoint holds ∂f/∂x_i and, in its derivative part, (H·v)_i.
struct SacadoFwdOverRev {
  static constexpr const char* name = "sacado";
  using F = Sacado::Fad::SFad<double, 1>;
  using S = Sacado::Rad::ADvar<F>;
  static void hvp(const std::vector<double>& x, const std::vector<double>& v, std::vector<double>& hv) {
    std::vector<S> ax;
    ax.reserve(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      F xi(x[i]);
      xi.fastAccessDx(0) = v[i];
      ax.emplace_back(xi);
    }
    S y = rosenbrock(ax);
    S::Gradcomp();
    for (std::size_t i = 0; i < x.size(); ++i) hv[i] = ax[i].adj().dx(0);
  }
};

// ADOL-C's best case: rosenbrock taped once (it has no branches), then only hess_vec() per call (a first-order
// forward sweep along v, then a second-order reverse sweep).
struct AdolcReuse {
  static constexpr const char* name = "adolc-reuse";
  static constexpr short tag = 4;
  static void prepare(const std::vector<double>& x) { bench::adolc_tape(tag, x); }
  static void hvp(const std::vector<double>& x, const std::vector<double>& v, std::vector<double>& hv) {
    // hess_vec takes non-const pointers but writes only its result.
    ::hess_vec(tag, static_cast<int>(x.size()), const_cast<double*>(x.data()), const_cast<double*>(v.data()),
               hv.data());
  }
  // The tape's file-access flags must stay 0: the whole tape in memory.
  static bool in_memory(std::size_t n) {
    std::size_t stats[STAT_SIZE];
    tapestats(tag, stats);
    if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS]) {
      std::fprintf(stderr, "B4: ADOL-C's tape went to files (operations %zu, locations %zu, values %zu, n = %zu)\n",
                   stats[NUM_OPERATIONS], stats[NUM_LOCATIONS], stats[NUM_VALUES], n);
      return false;
    }
    return true;
  }
};

// Kinase's user-level API.
struct KinaseHvp {
  static constexpr const char* name = "kinase-hvp";
  static void hvp(const std::vector<double>& x, const std::vector<double>& v, std::vector<double>& hv) {
    hv = kinase::hvp([](const auto& u) { return rosenbrock(u); }, x, v);
  }
};

// The dense Hessian by Kinase's forward over reverse with L lanes: the inputs' tangents carry L unit vectors
// (columns c..c+L−1 of the identity), so one recording and one sweep give L columns of H.
template <int L>
struct KinaseDenseHessian {
  using D = kinase::Dual<double, L>;
  kinase::Tape<D> tape;
  std::vector<kinase::Real<D>> xs;

  static std::size_t sweeps(std::size_t n) { return (n + L - 1) / L; }

  void hessian(const std::vector<double>& x, std::vector<double>& h) {
    const std::size_t n = x.size();
    xs.resize(n);
    for (std::size_t c = 0; c < n; c += L) {
      for (std::size_t i = 0; i < n; ++i) {
        std::array<double, L> t{};
        if (i >= c && i < c + L) t[i - c] = 1.0;
        xs[i] = D(x[i], t);
      }
      tape.reset();
      {
        kinase::Recording<D> recording(tape);
        for (kinase::Real<D>& xi : xs) tape.register_input(xi);
        const kinase::Real<D> y = rosenbrock(xs);
        tape.adjoint(y) = D(1.0);
      }
      tape.evaluate();
      const std::size_t lanes = std::min<std::size_t>(L, n - c);
      for (std::size_t i = 0; i < n; ++i) {
        const D& a = tape.adjoint(xs[i]);
        for (std::size_t l = 0; l < lanes; ++l) h[i * n + c + l] = a.tangent[l];
      }
    }
  }
};
constexpr int kLanes = 8;

// --- correctness -------------------------------------------------------------------------------------------------

// Every component within 1e-10 of the hand-written one, relative to max(|a|, |b|, 1).
bool agrees(const std::string& what, const std::vector<double>& got, const std::vector<double>& want, double& worst) {
  if (got.size() != want.size()) {
    std::fprintf(stderr, "B4: %s has %zu components, expected %zu\n", what.c_str(), got.size(), want.size());
    return false;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double diff = std::abs(got[i] - want[i]) / std::max({std::abs(got[i]), std::abs(want[i]), 1.0});
    worst = std::max(worst, diff);
    if (!(diff <= 1e-10)) {
      std::fprintf(stderr, "B4: %s[%zu] = %.17g, the hand-written one gives %.17g\n", what.c_str(), i, got[i], want[i]);
      return false;
    }
  }
  return true;
}

// The hand-written gradient (B1's), to check the gradient that forward over reverse gives beside H·v.
std::vector<double> manual_gradient(const std::vector<double>& x) {
  const std::size_t n = x.size();
  std::vector<double> g(n, 0.0);
  double carry = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double t = x[i + 1] - x[i] * x[i], u = 1.0 - x[i];
    g[i] = carry - 400.0 * x[i] * t - 2.0 * u;
    carry = 200.0 * t;
  }
  if (n > 0) g[n - 1] = carry;
  return g;
}

// count evaluations of the primal at x.
bench::Case primal_case(std::string name, const std::vector<double>& x, double& out) {
  return {std::move(name), [&x, &out](std::size_t count) {
            for (std::size_t k = 0; k < count; ++k) {
              bench::escape(x.data());
              out = primal(x);
              bench::escape(&out);
            }
          }};
}

// count evaluations of `compute()`, which writes into `result`.
template <class F>
bench::Case timed(std::string name, const std::vector<double>& x, std::vector<double>& result, F compute) {
  return {std::move(name), [&x, &result, compute](std::size_t count) mutable {
            for (std::size_t k = 0; k < count; ++k) {
              bench::escape(x.data());
              compute();
              bench::escape(result.data());
            }
          }};
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Options options = bench::parse_options(argc, argv, "bench/results/b4.json");
  const std::size_t n = options.quick ? 10000 : 100000;
  const bench::Settings settings = bench::settings_for(options);

  std::printf("# B4: Hessian-vector product of the extended Rosenbrock function, n = %zu (compiler %s)\n", n,
              __VERSION__);
  if (options.quick)
    std::printf("# QUICK RUN (--quick): n = 10^4 and %d rounds; the full run uses n = 10^5 and 101 rounds\n",
                settings.rounds);

  // Correctness before speed.
  const std::vector<double> x = make_point(n), v = make_direction(n);
  std::vector<double> want(n), hv(n), g(n);
  Manual::hvp(x, v, want);
  {  // the hand-written H·v against the hand-written dense Hessian, on a small case
    const std::vector<double> xs = make_point(37), vs = make_direction(37);
    std::vector<double> h(37 * 37), dense(37, 0.0), banded(37);
    Manual::hessian(xs, h);
    for (std::size_t i = 0; i < 37; ++i)
      for (std::size_t j = 0; j < 37; ++j) dense[i] += h[i * 37 + j] * vs[j];
    Manual::hvp(xs, vs, banded);
    double w = 0;
    if (!agrees("manual H·v (against the dense hand-written Hessian)", banded, dense, w)) return 1;
  }
  AdolcReuse::prepare(x);
  KinaseFwdOverRev direct;
  double worst = 0.0;
  bool ok = true;
  const auto check = [&](const std::string& tool, auto&& compute) {
    std::fill(hv.begin(), hv.end(), std::nan(""));
    compute();
    ok = ok && agrees(tool + " H·v", hv, want, worst);
  };
  check(KinaseFwdOverRev::name, [&] { direct.hvp(x, v, hv, g); });
  ok = ok && agrees("kinase-fwd-over-rev gradient", g, manual_gradient(x), worst);
  check(KinaseFwdOverRev::name, [&] { direct.hvp(x, v, hv, g); });  // again, on the reused tape
  check(KinaseHvp::name, [&] { KinaseHvp::hvp(x, v, hv); });
  check(KinaseHvp::name, [&] { KinaseHvp::hvp(x, v, hv); });
  check(SacadoFwdOverRev::name, [&] { SacadoFwdOverRev::hvp(x, v, hv); });
  check(SacadoFwdOverRev::name, [&] { SacadoFwdOverRev::hvp(x, v, hv); });
  check(AdolcReuse::name, [&] { AdolcReuse::hvp(x, v, hv); });
  ok = ok && AdolcReuse::in_memory(n);

  // The dense Hessians (2-D and n = 100).
  const std::vector<std::size_t> dense_sizes = {2, 100};
  std::vector<std::vector<double>> dense_x, dense_h;
  std::vector<KinaseDenseHessian<kLanes>> dense_tools(dense_sizes.size());
  for (std::size_t k = 0; k < dense_sizes.size(); ++k) {
    const std::size_t m = dense_sizes[k];
    dense_x.push_back(m == 2 ? std::vector<double>{-1.2, 1.0} : make_point(m));
    std::vector<double> h_want(m * m), h_got(m * m, std::nan(""));
    Manual::hessian(dense_x[k], h_want);
    dense_tools[k].hessian(dense_x[k], h_got);
    ok = ok && agrees("kinase dense Hessian, n = " + std::to_string(m), h_got, h_want, worst);
    dense_h.push_back(std::move(h_got));
  }
  if (!ok) {
    std::fprintf(stderr, "B4: the Hessian-vector products do not agree; nothing was timed\n");
    return 1;
  }
  std::printf(
      "# every H·v (and Kinase's gradient and dense Hessians) matches the hand-written one to %.1e (relative)\n",
      worst);
  const kinase::TapeStats stats = direct.tape.stats();
  std::printf("# kinase tape over Dual<double, 1>: %zu statements, %zu arguments, %.1f bytes per statement\n",
              stats.statements, stats.arguments, stats.bytes_per_statement());

  // Everything interleaved in one process.
  std::vector<double> hv_kinase(n), g_kinase(n), hv_api(n), hv_sacado(n), hv_adolc(n), hv_manual(n), hv_split(n),
      g_split(n);
  double primal_value = 0, small_primal = 0;
  std::vector<bench::Case> cases;
  cases.push_back(primal_case("primal", x, primal_value));
  cases.push_back(timed(KinaseFwdOverRev::name, x, hv_kinase, [&] { direct.hvp(x, v, hv_kinase, g_kinase); }));
  cases.push_back(timed(KinaseHvp::name, x, hv_api, [&] { KinaseHvp::hvp(x, v, hv_api); }));
  cases.push_back(timed(SacadoFwdOverRev::name, x, hv_sacado, [&] { SacadoFwdOverRev::hvp(x, v, hv_sacado); }));
  cases.push_back(timed(AdolcReuse::name, x, hv_adolc, [&] { AdolcReuse::hvp(x, v, hv_adolc); }));
  cases.push_back(timed(Manual::name, x, hv_manual, [&] { Manual::hvp(x, v, hv_manual); }));
  const std::size_t tools_end = cases.size();
  // Kinase's split: recording (reset, inputs, the function) and sweep (seed, sweep, read out).
  KinaseFwdOverRev split;
  split.record(x, v);
  cases.push_back(timed("kinase record", x, hv_split, [&] { split.record(x, v); }));
  cases.push_back(timed("kinase sweep", x, hv_split, [&] {
    split.tape.clear_adjoints();
    split.sweep(hv_split, g_split);
  }));
  // The dense Hessians and their primals.
  const std::size_t dense_begin = cases.size();
  for (std::size_t k = 0; k < dense_sizes.size(); ++k) {
    cases.push_back(primal_case("primal", dense_x[k], small_primal));
    cases.push_back(
        timed("kinase dense", dense_x[k], dense_h[k], [&, k] { dense_tools[k].hessian(dense_x[k], dense_h[k]); }));
  }

  std::printf("# median ns per evaluation over %d interleaved rounds of >= %.1f ms batches\n", settings.rounds,
              settings.batch_ns * 1e-6);
  const std::vector<double> ns = bench::measure_interleaved(cases, settings);
  const double record_ns = ns[tools_end], sweep_ns = ns[tools_end + 1];

  std::vector<bench::Row> rows;
  for (std::size_t t = 1; t < tools_end; ++t) {
    bench::Row row = bench::make_row(kB4, cases[t].name, ns[0], ns[t]);
    if (cases[t].name == KinaseFwdOverRev::name) {
      row.extra.emplace_back("record_ns", record_ns);
      row.extra.emplace_back("sweep_ns", sweep_ns);
      row.extra.emplace_back("bytes_per_statement", stats.bytes_per_statement());
    }
    rows.push_back(std::move(row));
  }
  for (std::size_t k = 0; k < dense_sizes.size(); ++k) {
    const std::size_t m = dense_sizes[k];
    bench::Row row = bench::make_row(m == 2 ? "b4_rosenbrock2d_hessian" : "b4_rosenbrock_n100_hessian",
                                     "kinase-fwd-over-rev-L8", ns[dense_begin + 2 * k], ns[dense_begin + 2 * k + 1]);
    row.extra.emplace_back("lanes", kLanes);
    row.extra.emplace_back("sweeps", static_cast<double>(KinaseDenseHessian<kLanes>::sweeps(m)));
    row.extra.emplace_back("lanes_used", static_cast<double>(m));
    rows.push_back(std::move(row));
  }
  bench::print_table(rows);
  std::printf(
      "# kinase-fwd-over-rev split (same tape use): recording %.3f ms (%.1f x primal), sweep %.3f ms (%.1f x "
      "primal)\n",
      record_ns * 1e-6, record_ns / ns[0], sweep_ns * 1e-6, sweep_ns / ns[0]);
  std::printf(
      "# dense Hessians: L = %d lanes per sweep; lanes_used = seeded lanes over all sweeps (= n; 2-D: 2 of 8)\n",
      kLanes);
  return bench::write_json(options.json_path, rows) ? 0 : 1;
}
