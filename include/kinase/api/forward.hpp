#pragma once
// autodiff in Forward and ForwardWithPrimal modes: seed each active argument's shadows into the lanes of a Dual,
// call the user's function once, write the mutated primals and their tangents back into the arguments and their
// shadows (the shadow mirrors the primal), and read the result's primal and tangents.
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kinase/api/activity.hpp"
#include "kinase/api/containers.hpp"
#include "kinase/api/detail_values.hpp"
#include "kinase/api/modes.hpp"
#include "kinase/api/results.hpp"
#include "kinase/core/error.hpp"
#include "kinase/forward/dual.hpp"

namespace kinase {
namespace detail {

template <class A>
using info = activity_info<std::remove_cvref_t<A>>;

/// An argument written without an activity is a constant, as in Enzyme.
template <class A>
inline constexpr bool is_active_arg = [] {
  if constexpr (info<A>::is_activity)
    return info<A>::active;
  else
    return false;
}();

template <class A>
inline constexpr bool is_batch_arg = [] {
  if constexpr (info<A>::is_activity)
    return info<A>::batch;
  else
    return false;
}();

/// The scalar type of an active argument, void for a constant one.
template <class A>
struct active_scalar {
  using type = void;
};
template <class A>
requires is_active_arg<A>
struct active_scalar<A> {
  using type = element_t<decltype(std::declval<std::remove_cvref_t<A>&>().value)>;
};

/// The common scalar type of the active arguments (void entries are constants and are skipped).
template <class Acc, class T>
struct combine_scalar {
  using type = std::common_type_t<Acc, T>;
};
template <class T>
struct combine_scalar<void, T> {
  using type = T;
};
template <class Acc>
struct combine_scalar<Acc, void> {
  using type = Acc;
};
template <>
struct combine_scalar<void, void> {
  using type = void;
};
template <class Acc, class... S>
struct common_scalar {
  using type = std::conditional_t<std::is_void_v<Acc>, double, Acc>;  // no active argument: zero derivative, double
};
template <class Acc, class First, class... Rest>
struct common_scalar<Acc, First, Rest...> : common_scalar<typename combine_scalar<Acc, First>::type, Rest...> {};

template <class... A>
consteval std::size_t batch_lanes() {
  std::size_t lanes = 0;
  (
      [&] {
        if constexpr (is_batch_arg<A>) {
          if (lanes == 0) lanes = info<A>::lanes;
        }
      }(),
      ...);
  return lanes;
}

template <class... A>
consteval bool batch_lanes_agree() {
  constexpr std::size_t lanes = batch_lanes<A...>();
  bool ok = true;
  (
      [&] {
        if constexpr (is_batch_arg<A>) ok = ok && info<A>::lanes == lanes;
      }(),
      ...);
  return ok;
}

/// Checks one argument's activity at compile time; the sentences are the errors a user sees.
template <class A>
constexpr void check_forward_argument() {
  if constexpr (info<A>::is_activity) {
    static_assert(!info<A>::is_return,
                  "kinase::autodiff: an argument's activity needs its value, e.g. Duplicated(x, dx); Duplicated{} "
                  "without values is only for the return activity");
    static_assert(!is_active_activity<std::remove_cvref_t<A>>,
                  "kinase::autodiff: Active(x) is for reverse mode; in forward mode use Duplicated(x, dx)");
    if constexpr (info<A>::active) {
      using V = std::remove_cvref_t<decltype(std::declval<std::remove_cvref_t<A>&>().value)>;
      static_assert(
          !LooksLikeEigen<V> || Container<V>,
          "kinase::autodiff: an Eigen argument must be a plain Eigen::Matrix or Eigen::Array (not a Map, Ref, "
          "Block or expression), and needs #include <kinase/eigen.hpp>");
      static_assert(DifferentiableScalar<element_t<V>>,
                    "kinase::autodiff: an active argument (Duplicated, BatchDuplicated) must hold floating-point "
                    "values: a float, double or long double, or a std::vector, std::array, std::span or Eigen object "
                    "of them");
    }
  }
}

/// Fails with a kinase::Error naming the argument when the function resized a Duplicated container.
inline void check_unchanged_size(std::size_t now, std::size_t before, std::size_t position, const char* activity) {
  if (now != before)
    throw Error("kinase::autodiff: argument " + std::to_string(position) + " (" + activity +
                "): the function changed the container's size from " + std::to_string(before) + " to " +
                std::to_string(now) + "; it may change the elements, not the size");
}

/// Fails with a kinase::Error naming the argument when a shadow's size differs from its primal's.
template <class V, class Sh>
void check_shadow_size(const V& value, const Sh& shadow, std::size_t position, const char* activity,
                       const char* which) {
  if constexpr (Container<V>) {
    static_assert(Container<Sh>, "kinase::autodiff: the shadow of a container argument must be a container too");
    const std::size_t n = container_size(value), m = container_size(shadow);
    if (n != m)
      throw Error("kinase::autodiff: argument " + std::to_string(position) + " (" + activity + "): " + which + " has " +
                  std::to_string(m) + " elements but the primal has " + std::to_string(n));
  } else {
    static_assert(!Container<Sh>, "kinase::autodiff: the shadow of a scalar argument must be a scalar too");
  }
}

/// Stores `computed` (in the Dual's scalar type) into the caller's `target`, of its own type. Where the two types
/// differ and the computed value is the target converted, the target keeps its value: a shadow of double seeds for a
/// float primal is not rounded to float unless the function changed it.
template <class Target, class S>
void write_back_value(Target& target, const S& computed) {
  if constexpr (!std::is_same_v<Target, S>) {
    if (computed == static_cast<S>(target)) return;
  }
  target = static_cast<Target>(computed);
}

/// Where an active argument's Duals live: one Dual for a scalar, a container of the same shape for a container.
template <class V, class D>
struct storage_for {
  using type = D;
};
template <Container V, class D>
struct storage_for<V, D> {
  using type = typename container_traits<V>::template rebind<D>;
};

/// One argument as the user's function receives it, and what to write back after the call.
template <class D, class A>
struct ForwardArgument;

// A constant: passed through unchanged (by reference when the caller gave an lvalue container).
template <class D, class A>
requires(!is_active_arg<A>) struct ForwardArgument<D, A> {
  A& activity;
  ForwardArgument(A& a, std::size_t) : activity(a) {}
  decltype(auto) pass() {
    if constexpr (info<A>::is_activity)
      return (activity.value);
    else
      return (activity);
  }
  void seed() {}
  void write_back() {}
};

// An active argument: its value and shadows seeded into Duals.
template <class D, class A>
requires is_active_arg<A>
struct ForwardArgument<D, A> {
  using V = std::remove_cvref_t<decltype(std::declval<A&>().value)>;
  using S = typename D::value_type;
  static constexpr int N = D::lanes;
  static constexpr bool container = Container<V>;
  using Storage = typename storage_for<V, D>::type;

  A& activity;
  Storage duals;
  std::size_t position;

  ForwardArgument(A& a, std::size_t p) : activity(a), duals(make(a, p)), position(p) {}

  /// The shadow of lane k (a reference to the caller's object for containers).
  decltype(auto) shadow(std::size_t k) {
    if constexpr (info<A>::batch) {
      if constexpr (std::is_reference_v<decltype(activity.value)>)
        return activity.shadows[k].get();
      else
        return (activity.shadows[k]);
    } else {
      return (activity.shadow);
    }
  }

  static Storage make(A& a, std::size_t position) {
    if constexpr (info<A>::batch) {
      for (std::size_t k = 0; k < a.shadows.size(); ++k) {
        const std::string which = "shadow " + std::to_string(k + 1);
        if constexpr (std::is_reference_v<decltype(a.value)>)
          check_shadow_size(a.value, a.shadows[k].get(), position, info<A>::name, which.c_str());
        else
          check_shadow_size(a.value, a.shadows[k], position, info<A>::name, which.c_str());
      }
    } else {
      check_shadow_size(a.value, a.shadow, position, info<A>::name, "the shadow");
    }
    Storage out{};
    if constexpr (container) out = container_traits<V>::template make_like<D>(a.value);
    return out;
  }

  void seed() {
    if constexpr (container) {
      const std::size_t n = container_size(activity.value);
      for (std::size_t i = 0; i < n; ++i) {
        D& d = element_at(duals, i);
        d.primal = static_cast<S>(element_at(activity.value, i));
        for (int k = 0; k < N; ++k) d.tangent[k] = static_cast<S>(element_at(shadow(k), i));
      }
    } else {
      duals.primal = static_cast<S>(activity.value);
      for (int k = 0; k < N; ++k) duals.tangent[k] = static_cast<S>(shadow(k));
    }
  }

  decltype(auto) pass() {
    if constexpr (container)
      return container_traits<V>::pass(duals);
    else
      return (duals);
  }

  /// After the call: the primal takes the function's writes, each shadow their tangents (Enzyme's semantics).
  void write_back() {
    if constexpr (container) {
      const std::size_t n = container_size(activity.value);
      check_unchanged_size(container_size(duals), n, position, info<A>::name);
      for (std::size_t i = 0; i < n; ++i) {
        const D& d = element_at(duals, i);
        if constexpr (!info<A>::no_need &&
                      !std::is_const_v<std::remove_reference_t<decltype(element_at(activity.value, i))>>)
          write_back_value(element_at(activity.value, i), d.primal);
        for (int k = 0; k < N; ++k) {
          auto& target = element_at(shadow(k), i);
          if constexpr (!std::is_const_v<std::remove_reference_t<decltype(target)>>)
            write_back_value(target, d.tangent[k]);
        }
      }
    }
  }
};

template <class Mode, class Ret, class D, class R>
auto make_forward_result(const R& r) {
  check_result_type<D, R>();  // also where only tangents are read: an unreadable result must not give 0
  constexpr std::size_t N = static_cast<std::size_t>(D::lanes);
  using Info = activity_info<Ret>;
  if constexpr (std::is_same_v<Ret, Const<void>>) {
    if constexpr (Mode::with_primal)
      return PrimalOnly<decltype(result_primal<D>(r))>{result_primal<D>(r)};
    else
      return NoResult{};
  } else if constexpr (!Info::batch) {
    auto derivative = result_tangent<D>(r, 0);
    if constexpr (Info::no_need && !Mode::with_primal)
      return DerivativeOnly<decltype(derivative)>{std::move(derivative)};
    else
      return PrimalAndDerivative<decltype(result_primal<D>(r)), decltype(derivative)>{result_primal<D>(r),
                                                                                      std::move(derivative)};
  } else {
    using T = decltype(result_tangent<D>(r, 0));
    std::array<T, N> derivatives;
    for (std::size_t k = 0; k < N; ++k) derivatives[k] = result_tangent<D>(r, k);
    if constexpr (Info::no_need && !Mode::with_primal)
      return DerivativesOnly<T, N>{std::move(derivatives)};
    else
      return PrimalAndDerivatives<decltype(result_primal<D>(r)), T, N>{result_primal<D>(r), std::move(derivatives)};
  }
}

template <class Mode, class Ret, class F, class... A, std::size_t... I>
auto forward_autodiff(F& f, std::index_sequence<I...>, A&... args) {
  constexpr std::size_t batch = batch_lanes<A...>();
  constexpr int lanes = batch == 0 ? 1 : static_cast<int>(batch);
  using S = typename common_scalar<void, typename active_scalar<A>::type...>::type;
  struct CallTag {};  // this call's Duals are its own (see Dual's Tag)
  using D = Dual<S, lanes, CallTag>;
  std::tuple<ForwardArgument<D, A>...> prepared{ForwardArgument<D, A>(args, I + 1)...};
  (std::get<I>(prepared).seed(), ...);
  using R = std::remove_cvref_t<decltype(f(std::get<I>(prepared).pass()...))>;
  if constexpr (std::is_void_v<R>) {
    static_assert(std::is_same_v<Ret, Const<void>>,
                  "kinase::autodiff: the function returns nothing, so the return activity must be Const{}; the "
                  "derivatives are written into the shadows of its Duplicated arguments");
    f(std::get<I>(prepared).pass()...);
    (std::get<I>(prepared).write_back(), ...);
    return NoResult{};
  } else {
    const R r = f(std::get<I>(prepared).pass()...);
    (std::get<I>(prepared).write_back(), ...);
    return make_forward_result<Mode, Ret, D>(r);
  }
}

}  // namespace detail

/// Forward-mode autodiff: `autodiff(Forward, f, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0))`.
/// The return activity (third argument) decides what is returned (api.md, "Results"); the arguments are wrapped in
/// activities (an unwrapped argument is Const). Duplicated containers are updated in place: their primal takes the
/// function's writes and their shadow the tangents of those writes.
template <ForwardModeTag Mode, class F, class Ret, class... Args>
auto autodiff(Mode, F&& f, Ret, Args&&... args) {
  using detail::activity_info;
  using R = std::remove_cvref_t<Ret>;
  static_assert(!detail::is_active_activity<R>,
                "kinase::autodiff: the return activity Active{} is for reverse mode; in forward mode use Duplicated{}");
  static_assert(activity_info<R>::is_activity && activity_info<R>::is_return,
                "kinase::autodiff: the third argument is the return activity, written without a value: Const{}, "
                "Duplicated{}, DuplicatedNoNeed{}, BatchDuplicated{} or BatchDuplicatedNoNeed{}");
  (detail::check_forward_argument<std::remove_cvref_t<Args>>(), ...);
  constexpr bool any_batch = (detail::is_batch_arg<Args> || ...);
  constexpr bool any_single = ((detail::is_active_arg<Args> && !detail::is_batch_arg<Args>) || ...);
  static_assert(!(any_batch && any_single),
                "kinase::autodiff: Duplicated and BatchDuplicated arguments cannot be mixed in one call; give every "
                "active argument the same number of shadows with BatchDuplicated");
  static_assert(detail::batch_lanes_agree<std::remove_cvref_t<Args>...>(),
                "kinase::autodiff: every BatchDuplicated argument must have the same number of shadows (lanes)");
  if constexpr (!std::is_same_v<R, Const<void>>) {
    static_assert(!activity_info<R>::batch || any_batch,
                  "kinase::autodiff: a BatchDuplicated return activity needs BatchDuplicated arguments");
    static_assert(activity_info<R>::batch || !any_batch,
                  "kinase::autodiff: BatchDuplicated arguments need a BatchDuplicated or BatchDuplicatedNoNeed "
                  "return activity");
  }
  return detail::forward_autodiff<Mode, R>(f, std::index_sequence_for<Args...>{}, args...);
}

}  // namespace kinase
