#pragma once
// Checkpointed loops: the reverse mode of a long time-stepping loop with memory bounded by a number of saved states
// (snapshots) instead of the loop's length. On the tape the whole loop is ONE entry; its reverse sweep restores
// snapshots, recomputes steps on values, and records one step (binomial) or one segment (every-k) at a time on a
// private tape that is reused.
//
//   kinase::checkpointed_loop(steps, state, params, step, kinase::revolve(snapshots));
//   kinase::checkpointed_loop(steps, state, step, kinase::every(k));
//
// `step(u, p, i)` (or `step(u, i)` without parameters) advances the state span u in place from step i to i+1; p
// is a span of constant-for-the-loop parameters (active: their adjoints are summed over the steps). It must be
// written generically (a template, or auto parameters): it runs on values (the loop's scalar one level down) and on
// the tape's Reals. It must not capture active variables: pass them as parameters. Under a tape the step is copied
// into the tape's entry and runs again during the reverse sweep, which comes after the function being
// differentiated has returned (kinase::gradient sweeps then): what it captures by reference, and the
// CheckpointStats a policy reports to, must outlive the sweep. A Dual<Real> loop (reverse over forward) is taped
// step by step on the inner tape, without checkpointing.
//
// Policies:
//   revolve(s)   binomial checkpointing (Griewank's revolve): at most s states held at once, the initial state
//                included; with t the least number with C(s + t, t) ≥ steps, no step is recomputed more than t
//                times, and the total number of recomputations is the least possible for s states (tested against
//                the exhaustive optimum).
//   every(k)     a snapshot every k steps (⌈steps/k⌉ states) and one segment of k steps taped at a time.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kinase/api/external.hpp"
#include "kinase/core/error.hpp"
#include "kinase/forward/dual.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {

/// What a checkpointed loop did (filled when its reverse sweep ends; the forward figures already after the loop).
struct CheckpointStats {
  std::size_t steps = 0;            ///< the loop's length
  std::size_t forward_steps = 0;    ///< steps evaluated on values: the primal loop and every recomputation
  std::size_t taped_steps = 0;      ///< steps recorded on the private tape (each step once)
  std::size_t max_snapshots = 0;    ///< states held at once, the initial state included
  std::size_t snapshot_bytes = 0;   ///< their bytes at most
  std::size_t peak_tape_bytes = 0;  ///< the private tape's largest recording (TapeStats::bytes_used)
  std::size_t peak_tape_statements = 0;
};

/// Binomial checkpointing with at most `snapshots` states held at once (≥ 1).
struct Revolve {
  std::size_t snapshots;
  CheckpointStats* stats = nullptr;  ///< where to report what the loop did (optional)
};
/// A snapshot every k steps (k ≥ 1), one segment of k steps taped at a time.
struct EveryK {
  std::size_t k;
  CheckpointStats* stats = nullptr;
};
inline Revolve revolve(std::size_t snapshots, CheckpointStats* stats = nullptr) { return {snapshots, stats}; }
inline EveryK every(std::size_t k, CheckpointStats* stats = nullptr) { return {k, stats}; }

namespace detail {

/// β(c, t) = C(c + t, c): the most steps c free snapshots reverse with at most t recomputations of each step
/// (saturating).
inline std::size_t revolve_beta(std::size_t c, std::size_t t) {
  long double b = 1;
  for (std::size_t i = 1; i <= c; ++i) {
    b = b * static_cast<long double>(t + i) / static_cast<long double>(i);
    if (b > static_cast<long double>(std::numeric_limits<std::size_t>::max() / 2))
      return std::numeric_limits<std::size_t>::max() / 2;
  }
  return static_cast<std::size_t>(b + 0.5L);
}

/// The least number of recomputed steps (advances) that reverses n steps from a held state with `free` more
/// snapshots: with c = free + 1 states in all and t the least repetition number with β(c, t) ≥ n, it is
/// t·n − β(c + 1, t − 1) (Griewank's closed form; the test compares it with the exhaustive optimum).
inline std::size_t revolve_cost(std::size_t n, std::size_t free) {
  if (n <= 1) return 0;
  const std::size_t c = free + 1;
  std::size_t t = 0;
  while (revolve_beta(c, t) < n) ++t;
  return t * n - revolve_beta(c + 1, t - 1);
}

/// Where to put the next snapshot when reversing steps [l, r) from the state at l with `free` ≥ 1 more snapshots
/// (r − l ≥ 2). Advancing to m, reversing [m, r) with one snapshot fewer, then [l, m) costs
/// g(m) = m + cost(n − m, free − 1) + cost(m, free). The optimum lies in n − β(c − 1, t) ≤ m ≤ β(c, t − 1) (each
/// step recomputed at most t times), and g is convex there (a sum of convex piecewise-linear costs), so a binary
/// search on its slope finds the least m of least cost.
inline std::size_t revolve_split(std::size_t l, std::size_t r, std::size_t free) {
  const std::size_t n = r - l, c = free + 1;
  std::size_t t = 0;
  while (revolve_beta(c, t) < n) ++t;
  const std::size_t right = revolve_beta(c - 1, t);
  std::size_t lo = n > right ? n - right : 1;
  std::size_t hi = std::min(n - 1, revolve_beta(c, t - 1));
  lo = std::max<std::size_t>(lo, 1);
  hi = std::max(hi, lo);
  auto g = [&](std::size_t m) { return m + revolve_cost(n - m, free - 1) + revolve_cost(m, free); };
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (g(mid + 1) >= g(mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  return l + lo;
}

/// The checkpointed loop's tape entry (see the header comment).
template <class T, class Step>
class CheckpointedLoop final : public TapeCallback<T> {
 public:
  CheckpointedLoop(Step step, std::size_t steps, std::vector<T> u0, std::vector<T> params, std::vector<Index> in,
                   std::vector<Index> param_in, std::size_t snapshots, std::size_t k, CheckpointStats* stats)
      : step_(std::move(step)),
        steps_(steps),
        params_(std::move(params)),
        in_(std::move(in)),
        param_in_(std::move(param_in)),
        snapshots_(snapshots),
        k_(k),
        stats_(stats) {
    stats_data_.steps = steps;
    save(0, std::move(u0));
  }

  /// The primal loop, from the initial state: runs every step on values and keeps the snapshots that the reverse
  /// schedule's first descent (binomial) or the every-k policy asks for. Returns the final state.
  std::vector<T> run_forward() {
    std::vector<T> u = snaps_.at(0);
    std::vector<std::size_t> wanted;
    if (k_ == 0) {
      std::size_t l = 0, c = snapshots_ - 1;
      while (steps_ - l >= 2 && c >= 1) {
        l = revolve_split(l, steps_, c);
        wanted.push_back(l);
        --c;
      }
    } else {
      for (std::size_t i = k_; i < steps_; i += k_) wanted.push_back(i);
    }
    std::size_t next = 0;
    for (std::size_t i = 0; i < steps_; ++i) {
      advance(u, i);
      if (next < wanted.size() && wanted[next] == i + 1) save(i + 1, u), ++next;
    }
    report();
    return u;
  }
  std::vector<Index>& outputs() { return out_; }

  /// Each adjoint lane is reversed through the schedule in turn (a Jacobian sweep with L lanes costs L reversals).
  void reverse(T* adjoints, std::size_t lanes) override {
    const std::size_t n = in_.size();
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      auto at = [&](Index i) -> T& { return adjoints[static_cast<std::size_t>(i) * lanes + lane]; };
      ubar_.assign(n, T(0));
      bool any = false;
      for (std::size_t j = 0; j < n; ++j) {
        T& a = at(out_[j]);
        ubar_[j] = a;
        any = any || !ops::is_zero(a);
        a = T(0);
      }
      if (!any) continue;
      pbar_.assign(params_.size(), T(0));
      if (k_ == 0) {
        reverse_range(0, steps_, snapshots_ - 1);
      } else {
        for (std::size_t start = ((steps_ - 1) / k_) * k_;; start -= k_) {
          tape_segment(start, std::min(steps_, start + k_));
          if (start == 0) break;
        }
      }
      for (std::size_t j = 0; j < n; ++j)
        if (in_[j] != 0) at(in_[j]) += ubar_[j];
      for (std::size_t j = 0; j < params_.size(); ++j)
        if (param_in_[j] != 0) at(param_in_[j]) += pbar_[j];
    }
    report();
  }
  std::size_t bytes() const override { return held_bytes(); }

 private:
  void advance(std::vector<T>& u, std::size_t i) {
    step_(std::span<T>(u), std::span<const T>(params_), i);
    ++stats_data_.forward_steps;
  }
  void save(std::size_t at, std::vector<T> u) {
    snaps_[at] = std::move(u);
    stats_data_.max_snapshots = std::max(stats_data_.max_snapshots, snaps_.size());
    stats_data_.snapshot_bytes = std::max(stats_data_.snapshot_bytes, held_bytes());
  }
  std::size_t held_bytes() const {
    std::size_t b = 0;
    for (const auto& [at, u] : snaps_) b += u.size() * sizeof(T);
    return b;
  }
  void report() {
    if (stats_ != nullptr) *stats_ = stats_data_;
  }

  /// Reverses steps [l, r): snapshot l is held, ubar_ holds the adjoint of the state at r and ends with that at l.
  void reverse_range(std::size_t l, std::size_t r, std::size_t c) {
    if (r - l == 1) {
      tape_segment(l, r);
      return;
    }
    if (c == 0) {  // no snapshot free: recompute from l for each step
      for (std::size_t i = r; i-- > l;) tape_segment_from(l, i);
      return;
    }
    const std::size_t m = revolve_split(l, r, c);
    if (!snaps_.contains(m)) {
      std::vector<T> u = snaps_.at(l);
      for (std::size_t i = l; i < m; ++i) advance(u, i);
      save(m, std::move(u));
    }
    reverse_range(m, r, c - 1);
    snaps_.erase(m);
    reverse_range(l, m, c);
  }

  /// Recomputes from snapshot `from` to step i on values, then tapes step i alone.
  void tape_segment_from(std::size_t from, std::size_t i) {
    std::vector<T> u = snaps_.at(from);
    for (std::size_t s = from; s < i; ++s) advance(u, s);
    tape_steps(std::move(u), i, i + 1);
  }
  /// Tapes steps [a, b) from snapshot a.
  void tape_segment(std::size_t a, std::size_t b) { tape_steps(snaps_.at(a), a, b); }

  void tape_steps(std::vector<T> u0, std::size_t a, std::size_t b) {
    tape_.reset();
    const std::size_t n = u0.size();
    std::vector<Real<T>> u(n), p(params_.size());
    std::vector<Index> u_in(n), p_in(params_.size());
    {
      Recording<T> recording(tape_);
      for (std::size_t j = 0; j < n; ++j) {
        u[j] = u0[j];
        tape_.register_input(u[j]);
        u_in[j] = u[j].index();
      }
      for (std::size_t j = 0; j < params_.size(); ++j) {
        p[j] = params_[j];
        tape_.register_input(p[j]);
        p_in[j] = p[j].index();
      }
      for (std::size_t i = a; i < b; ++i) {
        step_(std::span<Real<T>>(u), std::span<const Real<T>>(p), i);
        ++stats_data_.taped_steps;
      }
    }
    const TapeStats ts = tape_.stats();
    stats_data_.peak_tape_bytes = std::max(stats_data_.peak_tape_bytes, ts.bytes_used);
    stats_data_.peak_tape_statements = std::max(stats_data_.peak_tape_statements, ts.statements);
    for (std::size_t j = 0; j < n; ++j)
      if (u[j].index() != 0) tape_.adjoint(u[j].index()) += ubar_[j];
    tape_.evaluate();
    for (std::size_t j = 0; j < n; ++j) ubar_[j] = tape_.adjoint(u_in[j]);
    for (std::size_t j = 0; j < params_.size(); ++j) pbar_[j] += tape_.adjoint(p_in[j]);
    tape_.clear_adjoints();
  }

  Step step_;
  std::size_t steps_;
  std::vector<T> params_;
  std::vector<Index> in_, param_in_, out_;
  std::size_t snapshots_, k_;
  CheckpointStats* stats_;
  CheckpointStats stats_data_;
  std::map<std::size_t, std::vector<T>> snaps_;
  Tape<T> tape_;
  std::vector<T> ubar_, pbar_;
};

template <class S, class Step>
void checkpointed_loop_impl(std::size_t steps, std::span<S> state, std::span<const S> params, Step& step,
                            std::size_t snapshots, std::size_t k, CheckpointStats* stats) {
  if constexpr (is_real_v<S>) {
    using T = typename S::value_type;
    Tape<T>* tape = current_tape<T>;
    std::vector<Index> in(state.size()), param_in(params.size());
    bool active = false;
    auto read = [&](std::span<const S> xs, std::vector<Index>& ix) {
      std::vector<T> v(xs.size());
      for (std::size_t j = 0; j < xs.size(); ++j) {
        v[j] = xs[j].primal;
        if (tape != nullptr && xs[j].index() != 0) {
          if (!tape->owns(xs[j].index(), xs[j].stamp())) throw_invalid_variable();
          ix[j] = xs[j].index();
          active = true;
        }
      }
      return v;
    };
    std::vector<T> u0 = read(std::span<const S>(state.data(), state.size()), in);
    std::vector<T> p = read(params, param_in);
    auto entry = std::make_unique<CheckpointedLoop<T, Step>>(step, steps, std::move(u0), std::move(p), std::move(in),
                                                             std::move(param_in), snapshots, k, stats);
    const std::vector<T> u = entry->run_forward();
    if (!active) {
      for (std::size_t j = 0; j < state.size(); ++j) state[j] = S(u[j]);
      return;
    }
    entry->outputs().resize(state.size());
    for (std::size_t j = 0; j < state.size(); ++j) {
      tape->assign_output(state[j]);
      state[j].primal = u[j];
      entry->outputs()[j] = state[j].index();
    }
    tape->push_callback(std::move(entry));
  } else {
    // Values, or forward mode (Duals carry their tangents step by step: no tape, nothing to checkpoint).
    for (std::size_t i = 0; i < steps; ++i) step(state, params, i);
    if (stats != nullptr) *stats = CheckpointStats{steps, steps, 0, 0, 0, 0, 0};
  }
}

template <class Policy>
void check_policy(const Policy& policy) {
  if constexpr (std::is_same_v<Policy, Revolve>) {
    if (policy.snapshots == 0)
      throw Error("kinase::checkpointed_loop: revolve(snapshots) needs at least 1 snapshot (the loop's initial state)");
  } else {
    static_assert(std::is_same_v<Policy, EveryK>,
                  "kinase::checkpointed_loop: the policy must be kinase::revolve(snapshots) or kinase::every(k)");
    if (policy.k == 0) throw Error("kinase::checkpointed_loop: every(k) needs k ≥ 1");
  }
}

}  // namespace detail

/// Runs `steps` steps of `step(u, p, i)` on `state` in place, with `params` constant over the loop. Under a tape the
/// loop is one entry and its reverse sweep follows `policy` (revolve(s) or every(k)); see the header comment.
template <detail::ContiguousValues State, detail::ContiguousValues Params, class Step, class Policy>
void checkpointed_loop(std::size_t steps, State&& state, const Params& params, Step step, Policy policy) {
  using S = std::remove_cvref_t<decltype(*state.data())>;
  static_assert(std::is_same_v<S, std::remove_cvref_t<decltype(*params.data())>>,
                "kinase::checkpointed_loop: the state and the parameters must hold the same scalar type");
  detail::check_policy(policy);
  if (steps == 0) return;
  const std::size_t snapshots = [&] {
    if constexpr (std::is_same_v<Policy, Revolve>)
      return policy.snapshots;
    else
      return std::size_t{0};
  }();
  const std::size_t k = [&] {
    if constexpr (std::is_same_v<Policy, EveryK>)
      return policy.k;
    else
      return std::size_t{0};
  }();
  detail::checkpointed_loop_impl<S>(steps, std::span<S>(state.data(), static_cast<std::size_t>(state.size())),
                                    std::span<const S>(params.data(), static_cast<std::size_t>(params.size())), step,
                                    snapshots, k, policy.stats);
}

/// A loop without parameters: `step(u, i)`.
template <detail::ContiguousValues State, class Step, class Policy>
void checkpointed_loop(std::size_t steps, State&& state, Step step, Policy policy) {
  using S = std::remove_cvref_t<decltype(*state.data())>;
  const std::vector<S> none;
  checkpointed_loop(
      steps, state, none, [step](auto u, auto, std::size_t i) { step(u, i); }, policy);
}

}  // namespace kinase
