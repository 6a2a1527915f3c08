#pragma once
// The C++ peers of the ADBench suite, each driving the same generic objective (bench/adbench/) through its own scalar
// type, all from Debian's packages:
//   - ADOL-C (adouble): the objective recorded on a tape and swept, either recorded at every call ("adolc") or
//     recorded once and replayed ("adolc-reuse", valid while the control flow does not change; ADOL-C reports when
//     it does, and the tape is then recorded again);
//   - Sacado: reverse mode (Rad::ADvar) for gradients, forward mode with static lanes (Fad::SFad) for Jacobians;
//   - Ceres' Jet and Eigen's AutoDiffScalar: forward mode with a fixed number of lanes; for a gradient of more inputs
//     than lanes, one pass per chunk of lanes.
#include <adolc/adolc.h>

#include <Sacado_trad.hpp>
// Sacado's Fad headers would pull in its Teuchos-Comm interop, which needs mpi.h; Fad arithmetic needs neither, so
// the interop is switched off as in B4 (Sacado's configuration header is read once through Sacado_ConfigDefs.h).
#include <Sacado_ConfigDefs.h>
#undef HAVE_SACADO_TEUCHOSCOMM
#undef HAVE_SACADO_TEUCHOSKOKKOSCOMM
#include <ceres/jet.h>

#include <Sacado_Fad_SFad.hpp>
#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <unsupported/Eigen/AutoDiff>
#include <vector>

namespace kinase::suite {

// --- ADOL-C --------------------------------------------------------------------------------------------------------

/// A scalar function on adoubles, for ADOL-C's gradient drivers.
using AdolcScalarFunction = std::function<adouble(const std::vector<adouble>&)>;
/// A vector function on adoubles, for ADOL-C's Jacobian driver.
using AdolcVectorFunction = std::function<std::vector<adouble>(const std::vector<adouble>&)>;

/// One ADOL-C tape (its tag), with trace buffers sized from a first recording so that it never spills to files.
class AdolcTape {
 public:
  AdolcTape(short tag, std::size_t inputs) : tag_(tag), inputs_(inputs) {}
  AdolcTape(const AdolcTape&) = delete;
  AdolcTape& operator=(const AdolcTape&) = delete;
  /// Frees the tape's memory (and any file of it), so that the next instance starts from nothing.
  ~AdolcTape() {
    if (sized_) removeTape(tag_, ADOLC_REMOVE_COMPLETELY);
  }

  /// Records `f` at x; returns the objective's value(s) written by the recording into `values`.
  template <class Record>
  void record(const std::vector<double>& x, Record&& body) {
    if (!sized_) {
      // A first recording with generous buffers (only touched pages cost), to learn the tape's size.
      const std::size_t guess = std::size_t{1} << 28;
      sizes_ = {guess, guess, guess, guess};
      trace(x, body);
      std::size_t stats[STAT_SIZE];
      tapestats(tag_, stats);
      const auto margin = [](std::size_t v) { return std::min<std::size_t>(v + v / 16 + 4096, 0xffffffffu); };
      sizes_ = {margin(stats[NUM_OPERATIONS]), margin(stats[NUM_LOCATIONS]), margin(stats[NUM_VALUES]),
                margin(stats[TAY_STACK_SIZE])};
      sized_ = true;
      // A tape longer than the guess spilled to ADOLC-*_<tag>.tap files in the working directory: removed with the
      // tape, before the recording that is sized to stay in memory. (An in-memory tape is kept: ADOL-C records
      // faster into the buffers it already has.)
      if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS])
        removeTape(tag_, ADOLC_REMOVE_COMPLETELY);
    }
    trace(x, body);
    std::size_t stats[STAT_SIZE];
    tapestats(tag_, stats);
    if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS])
      throw std::runtime_error("ADOL-C's tape " + std::to_string(tag_) + " spilled to files");
  }

  short tag() const { return tag_; }
  int inputs() const { return static_cast<int>(inputs_); }

 private:
  template <class Record>
  void trace(const std::vector<double>& x, Record& body) {
    trace_on(tag_, 1, static_cast<unsigned>(sizes_[0]), static_cast<unsigned>(sizes_[1]),
             static_cast<unsigned>(sizes_[2]), static_cast<unsigned>(sizes_[3]));
    {
      std::vector<adouble> ax(inputs_);
      for (std::size_t i = 0; i < inputs_; ++i) ax[i] <<= x[i];
      body(ax);
    }
    trace_off();
  }

  short tag_;
  std::size_t inputs_;
  bool sized_ = false;
  std::array<std::size_t, 4> sizes_{};
};

/// ADOL-C's gradient of a scalar function: record (every call, or once), then a reverse sweep.
class AdolcGradient {
 public:
  AdolcGradient(short tag, std::size_t inputs, AdolcScalarFunction f) : tape_(tag, inputs), f_(std::move(f)) {}

  /// "adolc": record at x (keeping the values for the sweep), then one reverse sweep. Returns the objective.
  double record_and_sweep(const std::vector<double>& x, double* grad) {
    double y = 0.0;
    tape_.record(x, [&](const std::vector<adouble>& ax) {
      adouble out = f_(ax);
      out >>= y;
    });
    double seed = 1.0;
    if (fos_reverse(tape_.tag(), 1, tape_.inputs(), &seed, grad) < 0)
      throw std::runtime_error("ADOL-C: fos_reverse failed");
    return y;
  }

  /// "adolc-reuse": replay the tape recorded by the first call at x (a zero-order forward sweep that keeps the
  /// values), then one reverse sweep; records again when ADOL-C says the control flow differs at x.
  double replay(const std::vector<double>& x, double* grad) {
    if (!recorded_) {
      recorded_ = true;
      return record_and_sweep(x, grad);
    }
    double y = 0.0, seed = 1.0;
    if (zos_forward(tape_.tag(), 1, tape_.inputs(), 1, x.data(), &y) < 0) return record_and_sweep(x, grad);
    if (fos_reverse(tape_.tag(), 1, tape_.inputs(), &seed, grad) < 0)
      throw std::runtime_error("ADOL-C: fos_reverse failed");
    return y;
  }

 private:
  AdolcTape tape_;
  AdolcScalarFunction f_;
  bool recorded_ = false;
};

/// ADOL-C's Jacobian of a vector function (m outputs, n inputs) with its `jacobian` driver (forward vector mode when
/// n ≤ m, else reverse), writing a row-major m × n block.
class AdolcJacobian {
 public:
  AdolcJacobian(short tag, std::size_t inputs, std::size_t outputs, AdolcVectorFunction f)
      : tape_(tag, inputs), outputs_(outputs), f_(std::move(f)), rows_(outputs) {
    storage_.resize(outputs * inputs);
    for (std::size_t r = 0; r < outputs; ++r) rows_[r] = storage_.data() + r * inputs;
  }

  /// Records at x, then the Jacobian; `reuse` keeps the first recording while the control flow allows.
  void evaluate(const std::vector<double>& x, double* jac, bool reuse) {
    if (!reuse || !recorded_) record(x);
    int rc = ::jacobian(tape_.tag(), static_cast<int>(outputs_), tape_.inputs(), x.data(), rows_.data());
    if (rc < 0) {  // the control flow at x differs from the recording's: record again
      record(x);
      rc = ::jacobian(tape_.tag(), static_cast<int>(outputs_), tape_.inputs(), x.data(), rows_.data());
      if (rc < 0) throw std::runtime_error("ADOL-C: jacobian failed");
    }
    std::copy(storage_.begin(), storage_.end(), jac);
  }

 private:
  void record(const std::vector<double>& x) {
    tape_.record(x, [&](const std::vector<adouble>& ax) {
      std::vector<adouble> out = f_(ax);
      if (out.size() != outputs_) throw std::logic_error("AdolcJacobian: the function's output count changed");
      for (adouble& v : out) {
        double ignored;
        v >>= ignored;
      }
    });
    recorded_ = true;
  }

  AdolcTape tape_;
  std::size_t outputs_;
  AdolcVectorFunction f_;
  std::vector<double> storage_;
  std::vector<double*> rows_;
  bool recorded_ = false;
};

// --- Sacado's reverse mode ----------------------------------------------------------------------------------------

/// Sacado's RAD: every operation allocates a node in a global arena, which Gradcomp sweeps and then recycles for the
/// next recording. `f` takes a const std::vector<ADvar>& and returns an ADvar (or something convertible).
template <class F>
double sacado_gradient(F&& f, const std::vector<double>& x, double* grad) {
  using S = Sacado::Rad::ADvar<double>;
  std::vector<S> ax(x.begin(), x.end());
  S y = f(ax);
  S::Gradcomp();
  for (std::size_t i = 0; i < x.size(); ++i) grad[i] = ax[i].adj();
  return y.val();
}

// --- forward mode with static lanes -------------------------------------------------------------------------------

/// Ceres' Jet with N lanes.
template <int N>
struct JetLanes {
  using S = ceres::Jet<double, N>;
  static constexpr int lanes = N;
  static S constant(double v) { return S(v); }
  static S seeded(double v, int lane) { return S(v, lane); }
  static double value(const S& s) { return s.a; }
  static double tangent(const S& s, int lane) { return s.v[lane]; }
};

/// Eigen's AutoDiffScalar with a fixed-size vector of N derivatives.
template <int N>
struct EigenLanes {
  using Vector = Eigen::Matrix<double, N, 1>;
  using S = Eigen::AutoDiffScalar<Vector>;
  static constexpr int lanes = N;
  static S constant(double v) { return S(v, Vector::Zero()); }
  static S seeded(double v, int lane) { return S(v, Vector::Unit(lane)); }
  static double value(const S& s) { return s.value(); }
  static double tangent(const S& s, int lane) { return s.derivatives()[lane]; }
};

/// Sacado's forward mode with N static lanes.
template <int N>
struct FadLanes {
  using S = Sacado::Fad::SFad<double, N>;
  static constexpr int lanes = N;
  static S constant(double v) { return S(v); }
  static S seeded(double v, int lane) { return S(N, lane, v); }
  static double value(const S& s) { return s.val(); }
  static double tangent(const S& s, int lane) { return s.dx(lane); }
};

/// The Jacobian of f (x: L::lanes inputs) in one forward evaluation with every lane seeded: a row-major m × lanes
/// block in `jac`, the values in `values` (if not null). `f` takes a std::vector<S> and returns a container of S.
template <class L, class F>
void forward_jacobian(F&& f, const double* x, double* jac, double* values = nullptr) {
  std::vector<typename L::S> ax;
  ax.reserve(L::lanes);
  for (int k = 0; k < L::lanes; ++k) ax.push_back(L::seeded(x[k], k));
  const auto y = f(ax);
  std::size_t r = 0;
  for (const auto& v : y) {
    if (values) values[r] = L::value(v);
    for (int k = 0; k < L::lanes; ++k) jac[r * L::lanes + static_cast<std::size_t>(k)] = L::tangent(v, k);
    ++r;
  }
}

/// A gradient by forward mode: one evaluation per chunk of L::lanes inputs (the others are constants). `f` takes a
/// std::vector<S> and returns an S. `chunks` limits the passes (for timing one pass); returns the objective.
template <class L, class F>
double forward_gradient(F&& f, const std::vector<double>& x, double* grad,
                        std::size_t chunks = static_cast<std::size_t>(-1)) {
  const std::size_t n = x.size(), lanes = static_cast<std::size_t>(L::lanes);
  std::vector<typename L::S> ax;
  ax.reserve(n);
  double y = 0.0;
  for (std::size_t start = 0, pass = 0; start < n && pass < chunks; start += lanes, ++pass) {
    ax.clear();
    for (std::size_t i = 0; i < n; ++i)
      ax.push_back(i >= start && i < start + lanes ? L::seeded(x[i], static_cast<int>(i - start)) : L::constant(x[i]));
    const typename L::S out = f(ax);
    y = L::value(out);
    for (std::size_t i = start; i < std::min(n, start + lanes); ++i)
      grad[i] = L::tangent(out, static_cast<int>(i - start));
  }
  return y;
}

/// Passes of forward_gradient for n inputs.
template <class L>
std::size_t forward_passes(std::size_t n) {
  return (n + static_cast<std::size_t>(L::lanes) - 1) / static_cast<std::size_t>(L::lanes);
}

}  // namespace kinase::suite
