#pragma once
// The forward engine: Dual<T, N> carries a primal value and N tangent lanes. Every op reaches it through
// engine<Dual<T, N>>::apply, which evaluates the op's rule: the primal, then Σᵢ ∂ᵢ · tᵢ lane by lane.
// T may itself be a Dual: Dual<Dual<double, 1>, 1> gives second derivatives, and deeper nests give higher ones.
#include <array>
#include <cmath>
#include <concepts>
#include <limits>
#include <ostream>
#include <type_traits>

#include "kinase/core/strict.hpp"
#include "kinase/core/traits.hpp"
#include "kinase/ops/op.hpp"

namespace kinase {

/// Tag tells apart the Duals of different differentiation calls: autodiff, gradient and jacobian each use a type
/// local to their instantiation (so, one per function type and lane count), so that a Dual captured from an outer
/// call cannot mix with an inner call's Duals of the same scalar type and lanes: perturbation confusion becomes a
/// compile-time error. Duals made by hand have Tag = void.
template <class T, int N = 1, class Tag = void>
struct Dual;

namespace detail {
/// Selects Dual's constructor that leaves the lanes and the primal for the caller to fill.
struct Uninitialized {};
}  // namespace detail

template <class T>
inline constexpr bool is_dual_v = false;
template <class T, int N, class Tag>
inline constexpr bool is_dual_v<Dual<T, N, Tag>> = true;

/// A forward-mode active scalar: `primal` and `tangent[0..N)`, the derivative along N directions at once.
template <class T, int N, class Tag>
struct Dual {
  static_assert(N >= 1, "kinase::Dual<T, N>: the number of lanes N must be at least 1");
  static_assert(std::is_floating_point_v<T> || ActiveScalar<T>,
                "kinase::Dual<T, N>: T must be a floating-point type (float, double, long double), a Dual, or the "
                "tape's Real (reverse over forward)");

  using value_type = T;
  static constexpr int lanes = N;

  // The tangents come first: with the primal first, GCC's SLP vectoriser groups {primal, t0, t1, t2} and leaves
  // the lane arithmetic scalar (measured on B3: ratio 1.97 → 1.62 from this order alone).
  std::array<T, N> tangent;
  T primal;

  /// Zero: a constant 0 with zero tangents.
  constexpr Dual() : tangent{}, primal{} {}
  /// Storage the engine fills completely (every lane and the primal) before it is read: an op's result would
  /// otherwise be zeroed first and then overwritten, and the zeroing of N lanes is not always removed by the compiler.
  constexpr explicit Dual(detail::Uninitialized) {}

  /// A constant: the value with zero tangents (implicit, so that `Dual x = 2.0` and Eigen's `Scalar(0)` work).
  constexpr Dual(const T& value) : tangent{}, primal(value) {}
  /// A constant from any other arithmetic type (int, float, ...).
  template <class A>
  requires std::is_arithmetic_v<A> &&(!std::is_same_v<A, T>)constexpr Dual(A value)
      : tangent{}, primal(static_cast<T>(value)) {}
  /// A value with its tangent lanes.
  constexpr Dual(const T& value, const std::array<T, N>& tangents) : tangent(tangents), primal(value) {}

  // += and -= of a Dual of the same type update the lanes in place: the same values as *this = *this ± b (the
  // partials of + and − are ±1), without building a result and copying it back, which GCC does with a memcpy call
  // for wide Duals (hand tracking's 26 lanes: the copies were a fifth of the Jacobian's time).
  template <class B>
  requires OpArgument<B>
  constexpr Dual& operator+=(const B& b) {
    if constexpr (std::is_same_v<B, Dual>) {
      primal += b.primal;
      for (int i = 0; i < N; ++i) tangent[i] += b.tangent[i];
      return *this;
    } else {
      return *this = *this + b;
    }
  }
  template <class B>
  requires OpArgument<B>
  constexpr Dual& operator-=(const B& b) {
    if constexpr (std::is_same_v<B, Dual>) {
      primal -= b.primal;
      for (int i = 0; i < N; ++i) tangent[i] -= b.tangent[i];
      return *this;
    } else {
      return *this = *this - b;
    }
  }
  template <class B>
  requires OpArgument<B>
  constexpr Dual& operator*=(const B& b) { return *this = *this * b; }
  template <class B>
  requires OpArgument<B>
  constexpr Dual& operator/=(const B& b) { return *this = *this / b; }
};

namespace detail {
/// True for two Duals that differ only in their Tag: Duals of two differentiation calls.
template <class A, class B>
inline constexpr bool same_dual_but_tag = false;
template <class T, int N, class Tag1, class Tag2>
inline constexpr bool same_dual_but_tag<Dual<T, N, Tag1>, Dual<T, N, Tag2>> = true;
}  // namespace detail

template <class T, int N, class Tag>
struct engine<Dual<T, N, Tag>> {
  using D = Dual<T, N, Tag>;
  static constexpr int depth = 1 + depth_v<T>;

  /// The value an argument contributes to the rule at this level: a Dual's primal, or the argument itself when it
  /// is a constant here (a plain number, or an active scalar of an inner level of the nest).
  template <class A>
  static constexpr const auto& lower(const A& a) {
    if constexpr (std::is_same_v<A, D>) {
      return a.primal;
    } else {
      static_assert(depth_v<A> < depth || !detail::same_dual_but_tag<A, D>,
                    "kinase: an operation mixes Duals of two different differentiation calls (perturbation "
                    "confusion): a nested autodiff/gradient/jacobian call must receive the outer call's Duals as its "
                    "arguments, not capture them");
      static_assert(depth_v<A> < depth,
                    "kinase: an operation mixes Dual numbers of different lane counts or scalar types (or of two "
                    "differentiation calls); convert them to one Dual type first");
      return a;
    }
  }

  template <class Op, class... A>
  static constexpr D apply(const A&... a) {
    if constexpr (Op::arity == 1)
      return apply_unary<Op>(a...);
    else
      return apply_binary<Op>(a...);
  }

 private:
  // y = f(x; params): tangent lanes ẏᵢ = ∂f · ẋᵢ
  template <class Op, class X, class... P>
  static constexpr D apply_unary(const X& x, const P&... params) {
    static_assert(std::is_same_v<X, D>, "kinase: the differentiable argument of a unary op must be the Dual");
    if constexpr (detail::ZeroDerivativeOp<Op>) {
      if (!std::is_constant_evaluated() && detail::strict_depth != 0)
        for (int i = 0; i < N; ++i)
          if (!ops::is_zero(x.tangent[i])) detail::throw_strict(Op::name);
    }
    D out{detail::Uninitialized{}};
    out.primal = static_cast<T>(Op::primal(x.primal, params...));
    const auto d = Op::template partial<0>(x.primal, params..., out.primal);
    scale_into<Op, false>(d, x.tangent, out.tangent);
    return out;
  }

  // out = p · t (Add = false) or out += p · t (Add = true), lane by lane, written in place: returning a lane array
  // by value made GCC -O2 copy it through general registers and stall on store forwarding (B3: 3× slower). The
  // strong-zero rule (ops::scale_strong_zero) applies only when p is infinite or nan; ops whose partials are finite
  // wherever their arguments are (ops::finite_partials) skip the test, which costs about 20% on B3.
  template <class Op, bool Add, class P>
  static constexpr void scale_into(const P& p, const std::array<T, N>& t, std::array<T, N>& out) {
    if (ops::finite_partials<Op> || ops::is_finite(p)) {
      for (int i = 0; i < N; ++i) {
        if constexpr (Add)
          out[i] += ops::scale(p, t[i]);
        else
          out[i] = ops::scale(p, t[i]);
      }
    } else {
      for (int i = 0; i < N; ++i) {
        if constexpr (Add)
          out[i] += ops::scale_strong_zero(p, t[i]);
        else
          out[i] = ops::scale_strong_zero(p, t[i]);
      }
    }
  }

  // z = f(x, y): żᵢ = ∂ₓf · ẋᵢ + ∂ᵧf · ẏᵢ, skipping the partial of a constant argument
  template <class Op, class X, class Y>
  static constexpr D apply_binary(const X& x, const Y& y) {
    if constexpr (detail::ZeroDerivativeOp<Op>) {
      if (!std::is_constant_evaluated() && detail::strict_depth != 0) {
        bool active = false;
        if constexpr (std::is_same_v<X, D>)
          for (int i = 0; i < N; ++i) active = active || !ops::is_zero(x.tangent[i]);
        if constexpr (std::is_same_v<Y, D>)
          for (int i = 0; i < N; ++i) active = active || !ops::is_zero(y.tangent[i]);
        if (active) detail::throw_strict(Op::name);
      }
    }
    D out{detail::Uninitialized{}};
    const auto& xv = lower(x);
    const auto& yv = lower(y);
    out.primal = static_cast<T>(Op::primal(xv, yv));
    constexpr bool x_active = std::is_same_v<X, D>;
    constexpr bool y_active = std::is_same_v<Y, D>;
    if constexpr (x_active && y_active) {
      const auto dx = Op::template partial<0>(xv, yv, out.primal);
      const auto dy = Op::template partial<1>(xv, yv, out.primal);
      scale_into<Op, false>(dx, x.tangent, out.tangent);
      scale_into<Op, true>(dy, y.tangent, out.tangent);
    } else if constexpr (x_active) {
      const auto dx = Op::template partial<0>(xv, yv, out.primal);
      scale_into<Op, false>(dx, x.tangent, out.tangent);
    } else {
      const auto dy = Op::template partial<1>(xv, yv, out.primal);
      scale_into<Op, false>(dy, y.tangent, out.tangent);
    }
    return out;
  }
};

/// The primal value one level down (the value of a Dual, or a plain number itself).
template <class T>
constexpr const auto& primal_of(const T& x) {
  if constexpr (is_dual_v<T>)
    return x.primal;
  else
    return x;
}

// Classification functions look at the primal value, as comparisons do.
template <class T, int N, class Tag>
constexpr bool isnan(const Dual<T, N, Tag>& x) {
  return std::isnan(base_value(x));
}
template <class T, int N, class Tag>
constexpr bool isinf(const Dual<T, N, Tag>& x) {
  return std::isinf(base_value(x));
}
template <class T, int N, class Tag>
constexpr bool isfinite(const Dual<T, N, Tag>& x) {
  return std::isfinite(base_value(x));
}
template <class T, int N, class Tag>
constexpr bool signbit(const Dual<T, N, Tag>& x) {
  return std::signbit(base_value(x));
}

/// Prints `value[t0, t1, ...]`.
template <class T, int N, class Tag>
std::ostream& operator<<(std::ostream& os, const Dual<T, N, Tag>& x) {
  os << x.primal << '[';
  for (int i = 0; i < N; ++i) os << (i ? ", " : "") << x.tangent[i];
  return os << ']';
}

}  // namespace kinase

/// numeric_limits of a Dual are those of its primal type, as constants (zero tangents).
template <class T, int N, class Tag>
class std::numeric_limits<kinase::Dual<T, N, Tag>> : public std::numeric_limits<T> {
  using D = kinase::Dual<T, N, Tag>;
  using L = std::numeric_limits<T>;

 public:
  static constexpr D min() noexcept { return D(L::min()); }
  static constexpr D max() noexcept { return D(L::max()); }
  static constexpr D lowest() noexcept { return D(L::lowest()); }
  static constexpr D epsilon() noexcept { return D(L::epsilon()); }
  static constexpr D round_error() noexcept { return D(L::round_error()); }
  static constexpr D infinity() noexcept { return D(L::infinity()); }
  static constexpr D quiet_NaN() noexcept { return D(L::quiet_NaN()); }
  static constexpr D signaling_NaN() noexcept { return D(L::signaling_NaN()); }
  static constexpr D denorm_min() noexcept { return D(L::denorm_min()); }
};
