#pragma once
// The reverse engine's active scalar, Real<T>: a value and the index of its adjoint on the tape this thread records
// into. Arithmetic on Reals builds expression objects (no tape work); assigning an expression to a Real records ONE
// statement with the partials of every active leaf, computed from the op rules by the chain rule over the
// expression (CoDiPack/Adept style). Expressions hold their operands by value, so `auto e = x * y;` is safe.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kinase/core/error.hpp"
#include "kinase/core/strict.hpp"
#include "kinase/core/traits.hpp"
#include "kinase/ops/op.hpp"
#include "kinase/reverse/tape.hpp"

namespace kinase {

template <class T>
class Real;

/// A Real inside an expression: its value and index, copied. (In namespace kinase, as Expr, so that argument-
/// dependent lookup finds Kinase's operators and math functions for expressions.)
template <class T>
struct Leaf {
  T primal;
  Index index;
  std::uint32_t stamp;  // the variable's stamp (see detail::next_stamp): 16 bytes in all, like value + index
};

template <class T, class Op, class... Stored>
struct Expr;

namespace detail {

template <class T>
inline constexpr bool is_real_v = false;
template <class T>
inline constexpr bool is_real_v<Real<T>> = true;

template <class E>
inline constexpr bool is_expr_v = false;
template <class T, class Op, class... S>
inline constexpr bool is_expr_v<Expr<T, Op, S...>> = true;

/// How an operand is held in an expression: Reals as leaves, expressions by value, anything else as a constant.
template <class T, class A>
struct operand {
  using type = A;
};
template <class T>
struct operand<T, Real<T>> {
  using type = Leaf<T>;
};
template <class T, class A>
using operand_t = typename operand<T, std::remove_cvref_t<A>>::type;

template <class T, class A>
constexpr operand_t<T, A> store(const A& a) {
  if constexpr (is_real_v<A>)
    return Leaf<T>{a.primal, a.index(), a.stamp()};
  else
    return a;
}

template <class T, class S>
inline constexpr bool is_active_operand = std::is_same_v<S, Leaf<T>> || is_expr_v<S>;

/// The value an operand gives the op rule.
template <class T, class S>
constexpr decltype(auto) value_of(const S& s) {
  if constexpr (is_active_operand<T, S>)
    return (s.primal);
  else
    return (s);
}

/// How many leaves an operand can push (the most arguments its statement can have).
template <class T, class S>
constexpr std::size_t leaves() {
  if constexpr (std::is_same_v<S, Leaf<T>>)
    return 1;
  else if constexpr (is_expr_v<S>)
    return S::max_leaves;
  else
    return 0;
}

/// w · d, where w may be the tag One (the root of a statement).
template <class T, class W, class D>
constexpr T times(const W& w, const D& d) {
  if constexpr (std::is_same_v<W, ops::One>)
    return ops::partial_value<T>(d);
  else if constexpr (std::is_same_v<D, ops::One>)
    return w;
  else if constexpr (std::is_same_v<D, ops::MinusOne>)
    return -w;
  else
    return w * ops::partial_value<T>(d);
}

[[noreturn]] inline void throw_invalid_variable() {
  throw Error(
      "kinase: an expression uses an active variable that was recorded on another tape (or before a reset), or that "
      "was destroyed or assigned a new value after the expression was built; record the computation on one tape, and "
      "assign an expression to a Real before its operands change (return S(expr), not expr, from a function whose "
      "local variables enter the expression)");
}

/// A leaf may enter a statement when its index on the writer's tape still holds the variable it copied.
template <class T, class Writer>
[[gnu::always_inline]] inline void check_leaf(const Leaf<T>& s, const Writer& writer) {
  if (static_cast<std::size_t>(s.index) >= writer.stamp_count || writer.stamps[s.index] != s.stamp)
    throw_invalid_variable();
}

/// True for an active leaf, or an expression with one below it.
template <class T, class S>
constexpr bool operand_active(const S& s) {
  if constexpr (std::is_same_v<S, Leaf<T>>)
    return s.index != 0;
  else if constexpr (is_expr_v<S>)
    return s.any_active();
  else
    return false;
}

/// Pushes an operand's leaves with multiplier w.
template <class T, class S, class Writer, class W>
[[gnu::always_inline]] constexpr void push(const S& s, Writer& writer, const W& w) {
  if constexpr (std::is_same_v<S, Leaf<T>>) {
    if (s.index != 0) {
      check_leaf(s, writer);
      writer.push(times<T>(w, ops::One{}), s.index);
    }
  } else if constexpr (is_expr_v<S>) {
    s.push(writer, w);
  }
}

}  // namespace detail

/// An op applied to stored operands: its value is computed at once; its partials when a statement is recorded.
template <class T, class Op, class... S>
struct Expr {
  using value_type = T;
  std::tuple<S...> operands;
  T primal;

  static constexpr std::size_t max_leaves = (detail::leaves<T, S>() + ... + 0);

  constexpr explicit Expr(const S&... s)
      : operands(s...), primal(static_cast<T>(Op::primal(detail::value_of<T>(s)...))) {}

  /// True when some leaf below is an active variable (index ≠ 0).
  constexpr bool any_active() const {
    return std::apply([](const auto&... s) { return (detail::operand_active<T>(s) || ... || false); }, operands);
  }

  /// Pushes w · ∂(this)/∂leaf for every active leaf below.
  template <class Writer, class W>
  [[gnu::always_inline]] constexpr void push(Writer& writer, const W& w) const {
    push_operands(writer, w, std::index_sequence_for<S...>{});
  }

 private:
  template <class Writer, class W, std::size_t... I>
  [[gnu::always_inline]] constexpr void push_operands(Writer& writer, const W& w, std::index_sequence<I...>) const {
    (push_operand<I>(writer, w), ...);
  }
  template <std::size_t I, class Writer, class W>
  [[gnu::always_inline]] constexpr void push_operand(Writer& writer, const W& w) const {
    using Operand = std::tuple_element_t<I, std::tuple<S...>>;
    if constexpr (I < static_cast<std::size_t>(Op::arity) && detail::is_active_operand<T, Operand>) {
      if constexpr (!std::is_same_v<decltype(partial<I>()), ops::Zero>)
        detail::push<T>(std::get<I>(operands), writer, detail::times<T>(w, partial<I>()));
    }
  }
  template <std::size_t I>
  constexpr auto partial() const {
    return std::apply(
        [&](const auto&... s) { return Op::template partial<static_cast<int>(I)>(detail::value_of<T>(s)..., primal); },
        operands);
  }
};

/// The reverse engine's active scalar. Arithmetic builds expressions; construction from or assignment of an
/// expression records one statement on the thread's current tape (see Recording). With no tape recording, a Real
/// computes values only, as a passive number.
template <class T>
class Real {
  static_assert(!detail::is_real_v<T>,
                "kinase::Real<Real<T>>: reverse mode over reverse mode is not supported (one thread records on one "
                "tape at a time, so the inner Reals would record on the outer tape); for second order use forward "
                "over reverse, Real<Dual<double, N>> (kinase::hessian, kinase::hvp)");

 public:
  using value_type = T;

  T primal{};

  constexpr Real() = default;
  /// A constant (passive: index 0).
  constexpr Real(const T& v) : primal(v) {}
  template <class A>
  requires std::is_arithmetic_v<A> &&(!std::is_same_v<A, T>)constexpr Real(A v) : primal(static_cast<T>(v)) {}

  /// Records `e` as one statement.
  template <class T2, class Op, class... S>
  Real(const Expr<T2, Op, S...>& e) {
    assign(e);
  }
  template <class T2, class Op, class... S>
  Real& operator=(const Expr<T2, Op, S...>& e) {
    assign(e);
    return *this;
  }

  /// A copy is a new variable: an active copy records y = x (one statement, partial 1).
  Real(const Real& other) : primal(other.primal) { copy_from(other); }
  Real& operator=(const Real& other) {
    if (this != &other) {
      const LeafT leaf{other.primal, other.index_, other.stamp_};
      assign_leaf(leaf);
    }
    return *this;
  }
  /// A move hands the index over: no statement.
  Real(Real&& other) noexcept : primal(other.primal), index_(other.index_), stamp_(other.stamp_) { other.index_ = 0; }
  Real& operator=(Real&& other) noexcept {
    if (this != &other) {
      release();
      primal = other.primal;
      index_ = other.index_;
      stamp_ = other.stamp_;
      other.index_ = 0;
    }
    return *this;
  }
  Real& operator=(const T& v) {
    release();
    primal = v;
    return *this;
  }
  /// A plain number of another type (`y = 0.0` when T is a Dual): a constant.
  template <class A>
  requires std::is_arithmetic_v<A> &&(!std::is_same_v<A, T>)Real& operator=(A v) {
    release();
    primal = static_cast<T>(v);
    return *this;
  }

  ~Real() { release(); }

  /// The adjoint-vector slot (0: passive).
  Index index() const { return index_; }
  /// The id of the tape the index belongs to (0: none).
  /// The stamp the variable got with its index (see detail::next_stamp).
  std::uint32_t stamp() const { return stamp_; }

  template <class B>
  requires OpArgument<B> || detail::is_expr_v<std::remove_cvref_t<B>> Real& operator+=(const B& b) {
    return *this = *this + b;
  }
  template <class B>
  requires OpArgument<B> || detail::is_expr_v<std::remove_cvref_t<B>> Real& operator-=(const B& b) {
    return *this = *this - b;
  }
  template <class B>
  requires OpArgument<B> || detail::is_expr_v<std::remove_cvref_t<B>> Real& operator*=(const B& b) {
    return *this = *this * b;
  }
  template <class B>
  requires OpArgument<B> || detail::is_expr_v<std::remove_cvref_t<B>> Real& operator/=(const B& b) {
    return *this = *this / b;
  }

  /// Used by Tape::register_input and Tape::assign_output: this variable now lives at index i with this stamp
  /// (`release_old = false` when i is its own index, renewed).
  void bind_to(Index i, std::uint32_t stamp, bool release_old = true) {
    if (release_old) release();
    index_ = i;
    stamp_ = stamp;
  }

 private:
  using LeafT = kinase::Leaf<T>;

  /// The tape recording on this thread, if any.
  static Tape<T>* tape() { return detail::current_tape<T>; }

  void release() {
    if (index_ != 0) {
      Tape<T>* t = tape();
      if (t != nullptr && t->owns(index_, stamp_)) t->release_index(index_);
      index_ = 0;
    }
  }

  /// This variable takes a new value with the statement's arguments in `w`; it keeps its own index when it has one
  /// on this tape (the sweep reads and clears the left-hand side's adjoint before adding to the arguments, so
  /// x = f(x) is right).
  void record(Tape<T>& t, typename Tape<T>::ArgumentWriter& w) {
    if (w.count == 0) {
      release();
      return;
    }
    if (index_ != 0 && t.owns(index_, stamp_)) {
      stamp_ = t.renew_index(index_);  // a new value: expressions holding the old one must not use it
    } else {
      const auto [i, stamp] = t.allocate_index();
      index_ = i;
      stamp_ = stamp;
    }
    t.end_statement(index_, w);
  }

  template <class E>
  [[gnu::always_inline]] void assign(const E& e) {
    const T value = e.primal;
    Tape<T>* t = tape();
    if (t == nullptr) {
      release();
      primal = value;
      return;
    }
    auto w = t->begin_statement(E::max_leaves);
    e.push(w, ops::One{});
    record(*t, w);
    primal = value;
  }

  void assign_leaf(const LeafT& leaf) {
    Tape<T>* t = tape();
    if (t == nullptr || leaf.index == 0) {
      release();
      primal = leaf.primal;
      return;
    }
    auto w = t->begin_statement(1);
    detail::check_leaf(leaf, w);
    w.push(T(1), leaf.index);
    record(*t, w);
    primal = leaf.primal;
  }

  void copy_from(const Real& other) { assign_leaf(LeafT{other.primal, other.index_, other.stamp_}); }

  Index index_ = 0;
  std::uint32_t stamp_ = 0;
};

/// Reals and their expressions are active scalars of one engine: an op on them builds an expression.
template <class T>
struct engine<Real<T>> {
  static constexpr int depth = 1 + depth_v<T>;
  template <class Op, class... A>
  static constexpr auto apply(const A&... a) {
    if constexpr (detail::ZeroDerivativeOp<Op>) {
      if (detail::strict_depth != 0 && detail::current_tape<T> != nullptr && (is_active(a) || ...))
        detail::throw_strict(Op::name);
    }
    return Expr<T, Op, detail::operand_t<T, A>...>(detail::store<T>(a)...);
  }
  template <class A>
  static constexpr bool is_active(const A& a) {
    if constexpr (detail::is_real_v<A>)
      return a.index() != 0;
    else if constexpr (detail::is_expr_v<A>)
      return a.any_active();
    else
      return false;
  }
};
template <class T, class Op, class... S>
struct engine<Expr<T, Op, S...>> : engine<Real<T>> {};

template <class T>
std::ostream& operator<<(std::ostream& os, const Real<T>& x) {
  return os << x.primal << "[#" << x.index() << ']';
}

template <class T>
bool isnan(const Real<T>& x) {
  return x.primal != x.primal;
}
template <class T>
bool isinf(const Real<T>& x) {
  using std::isinf;
  return isinf(base_value(x));
}
template <class T>
bool isfinite(const Real<T>& x) {
  using std::isfinite;
  return isfinite(base_value(x));
}

}  // namespace kinase

template <class T>
class std::numeric_limits<kinase::Real<T>> : public std::numeric_limits<T> {
  using R = kinase::Real<T>;
  using L = std::numeric_limits<T>;

 public:
  static R min() noexcept { return R(L::min()); }
  static R max() noexcept { return R(L::max()); }
  static R lowest() noexcept { return R(L::lowest()); }
  static R epsilon() noexcept { return R(L::epsilon()); }
  static R round_error() noexcept { return R(L::round_error()); }
  static R infinity() noexcept { return R(L::infinity()); }
  static R quiet_NaN() noexcept { return R(L::quiet_NaN()); }
  static R signaling_NaN() noexcept { return R(L::signaling_NaN()); }
  static R denorm_min() noexcept { return R(L::denorm_min()); }
};
