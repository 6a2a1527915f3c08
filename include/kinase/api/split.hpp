#pragma once
// Split mode (Enzyme's ReverseSplitWithPrimal / autodiff_thunk): the forward pass and the reverse pass are two
// calls. `augmented_primal(f, args...)` runs f once, recording it on a tape the caller owns, and returns the primal
// with that tape; `reverse(tape, seed)` sweeps it later — any number of times, with different seeds, on any thread
// (one sweep of a tape at a time: a sweep uses the tape's adjoint storage).
//
//   auto aug = kinase::augmented_primal(f, kinase::Active(x), kinase::Duplicated(v, dv));
//   ... use aug.primal ...
//   auto r = kinase::reverse(aug.tape, 2.0);   // r.derivatives[0] = 2 ∂f/∂x; dv += 2 ∇ᵥf
//
// The activities are Enzyme's reverse-mode ones: Active(x) for a scalar (its derivative is returned by each
// reverse call), Duplicated(v, dv) for a container (each reverse call adds seed · ∇ᵥf to dv, and reads dv's
// contents at that time as the adjoint of v's final value, as autodiff(Reverse, ...) does), Const(c) or a plain
// value for a constant. A Duplicated container passed as an lvalue is held by reference: it must outlive the tape.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kinase/api/activity.hpp"
#include "kinase/api/results.hpp"
#include "kinase/api/reverse.hpp"
#include "kinase/core/error.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {

namespace detail {
/// What a split tape holds: the tape, the arguments' activities, their recorded variables and the result.
template <class S, class... A>
struct SplitState {
  Tape<S> tape;
  std::tuple<A...> activities;
  std::optional<std::tuple<ReverseArgument<S, A>...>> prepared;
  Real<S> out;
  explicit SplitState(A&&... a) : activities(std::move(a)...) {}
};
}  // namespace detail

/// The tape of a split-mode call: owned by the caller, movable, not copyable. `release()` frees it; a released or
/// moved-from tape cannot be swept (kinase::Error).
template <class S, class... A>
class SplitTape {
 public:
  using State = detail::SplitState<S, A...>;
  /// How many Active arguments (the size of reverse's derivatives).
  static constexpr std::size_t active_count = (std::size_t(detail::is_active_activity<A>) + ... + 0);

  explicit SplitTape(std::unique_ptr<State> s) : state_(std::move(s)) {}
  SplitTape(SplitTape&&) noexcept = default;
  SplitTape& operator=(SplitTape&&) noexcept = default;
  SplitTape(const SplitTape&) = delete;
  SplitTape& operator=(const SplitTape&) = delete;

  /// Frees the recording; the tape cannot be swept afterwards.
  void release() { state_.reset(); }
  bool released() const { return state_ == nullptr; }
  /// The recording's statistics (statements, bytes).
  TapeStats stats() const { return state("kinase::SplitTape::stats").tape.stats(); }

  /// The recorded state (used by kinase::reverse); throws when the tape was released.
  State& state(const char* who) const {
    if (state_ == nullptr)
      throw Error(std::string(who) +
                  ": the split tape was released (release() was called, or it was moved from); run "
                  "kinase::augmented_primal again to record a new one");
    return *state_;
  }

 private:
  std::unique_ptr<State> state_;
};

/// The result of augmented_primal: the primal result (0 for a function returning void) and the tape.
template <class S, class... A>
struct AugmentedPrimal {
  S primal;
  SplitTape<S, A...> tape;
};

/// Runs f on the arguments (with their activities), records it on a new tape and returns {primal, tape}. A
/// container the function mutates is written back now, as in autodiff(Reverse, ...).
template <class F, class... Args>
auto augmented_primal(F&& f, Args&&... args) {
  (detail::check_reverse_argument<std::remove_cvref_t<Args>>(), ...);
  using S = typename detail::common_scalar<void, typename detail::active_scalar<Args>::type...>::type;
  using Split = SplitTape<S, std::remove_cvref_t<Args>...>;
  using State = typename Split::State;
  auto state = std::make_unique<State>(std::remove_cvref_t<Args>(std::forward<Args>(args))...);
  Tape<S>& tape = state->tape;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    using Tuple = std::tuple<detail::ReverseArgument<S, std::remove_cvref_t<Args>>...>;
    Recording<S> recording(tape);
    state->prepared.emplace(
        Tuple{detail::ReverseArgument<S, std::remove_cvref_t<Args>>(std::get<I>(state->activities), tape, I + 1)...});
    auto& prepared = *state->prepared;
    using R = std::remove_cvref_t<decltype(f(std::get<I>(prepared).pass()...))>;
    if constexpr (std::is_void_v<R>) {
      f(std::get<I>(prepared).pass()...);
    } else {
      static_assert(!Container<R>,
                    "kinase::augmented_primal: the function must return a scalar (or nothing, with its derivatives "
                    "in the shadows of Duplicated arguments)");
      state->out = detail::to_real<S>(f(std::get<I>(prepared).pass()...));
    }
    (std::get<I>(prepared).check_size(), ...);
    // The forward pass's effect on mutated containers is visible now: write the final values back.
    (std::get<I>(prepared).write_back(), ...);
  }
  (std::index_sequence_for<Args...>{});
  const S primal = state->out.primal;
  return AugmentedPrimal<S, std::remove_cvref_t<Args>...>{primal, Split(std::move(state))};
}

/// Sweeps a split tape with `seed` as the result's adjoint: returns seed · ∂f/∂x for each Active argument (in
/// order) and adds seed · ∇f to each Duplicated argument's shadow. The tape is unchanged: call it again with another
/// seed.
template <class S, class... A>
DerivativesOf<std::array<S, SplitTape<S, A...>::active_count>> reverse(SplitTape<S, A...>& split,
                                                                       std::type_identity_t<S> seed = S(1)) {
  auto& state = split.state("kinase::reverse");
  auto& prepared = *state.prepared;
  Tape<S>& tape = state.tape;
  std::array<S, SplitTape<S, A...>::active_count> derivatives{};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    if (state.out.index() != 0) tape.adjoint(state.out.index()) += seed;
    (std::get<I>(prepared).seed(tape), ...);
    tape.evaluate();
    std::size_t k = 0;
    (
        [&] {
          using Arg = std::tuple_element_t<I, std::tuple<A...>>;
          auto& p = std::get<I>(prepared);
          if constexpr (detail::is_active_activity<Arg>) {
            p.collect(tape);
            derivatives[k++] = p.derivative;
          } else {
            p.collect_shadow(tape);  // the shadow seeded the final values; it gets the initial values' adjoints
          }
        }(),
        ...);
  }
  (std::index_sequence_for<A...>{});
  return {derivatives};
}

}  // namespace kinase
