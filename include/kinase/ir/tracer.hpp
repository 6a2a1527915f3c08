#pragma once
// The tracer: an active scalar (`Traced`) whose every op is recorded as an IR instruction by the builder of the
// current TraceScope. The user's generic function runs once on Traced values and leaves its trace in a Function.
//
// Branches. A comparison of traced values gives a TracedBool. Used where C++ needs a bool (`if (x < y)`), it is
// decided:
//   * while tracing the user's function outside a loop, on the example arguments; the decision is recorded as a
//     Guard that the compiled function checks on each call (it re-traces, or in strict mode reports, when a call
//     would go the other way);
//   * inside kinase::for_range there is no example value: that is an error that says to use kinase::select;
//   * while a pass emits an op's partials (Explorer), every path of the rule is emitted and the results are joined
//     with Select, so that the rule's edge cases survive in the IR.
// kinase::select(x < y, a, b) keeps the comparison symbolic: no guard.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "kinase/api/control.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/traits.hpp"
#include "kinase/ir/builder.hpp"
#include "kinase/ir/op_index.hpp"

namespace kinase {
/// The base of the tracer's types: it makes namespace kinase one of their associated namespaces.
struct TracedAdl {};
}  // namespace kinase

namespace kinase::ir {

class Explorer;

/// The builder (and, while a pass emits rules, the explorer) that traced operations record into. Set for a scope
/// by TraceScope; one per thread, never shared.
struct TraceContext {
  Builder* builder = nullptr;
  Explorer* explorer = nullptr;
};

namespace detail {
inline thread_local TraceContext* current_trace = nullptr;
}

inline TraceContext& trace_context() {
  if (!detail::current_trace || !detail::current_trace->builder)
    throw Error("kinase: a traced value was used outside kinase::compile's trace (no TraceScope is active)");
  return *detail::current_trace;
}
inline Builder& current_builder() { return *trace_context().builder; }

/// Makes `b` (and `e`) the current trace of this thread until the scope ends.
class TraceScope {
 public:
  explicit TraceScope(Builder& b, Explorer* e = nullptr) : ctx_{&b, e}, previous_(detail::current_trace) {
    detail::current_trace = &ctx_;
  }
  ~TraceScope() { detail::current_trace = previous_; }
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  TraceContext ctx_;
  TraceContext* previous_;
};

/// Decides branches inside a rule by running it once per path (see the file comment).
class Explorer {
 public:
  /// Runs `rule` (returning a ValueId) on every path of its branches; returns their results joined by Select.
  ValueId run(const std::function<ValueId()>& rule);
  /// The decision for a branch on `cond` on the current path.
  bool decide(ValueId cond);

 private:
  struct Path {
    std::vector<char> decisions;
    std::vector<ValueId> conds;
    ValueId result;
  };
  ValueId join(std::span<const Path> paths, std::size_t depth);
  std::vector<char> forced_;
  std::vector<char> decisions_;
  std::vector<ValueId> conds_;
};

class TracedBool;

/// A traced real number: the id of the instruction that computes it. Its base makes namespace kinase associated,
/// so that the math functions and operators of Kinase are found for it by argument-dependent lookup.
class Traced : kinase::TracedAdl {
 public:
  using value_type = double;

  /// The constant 0.
  Traced() = default;
  /// A constant.
  Traced(double c) : id_(current_builder().constant(c)) {}  // NOLINT: implicit, like a Dual from its scalar
  template <class A>
  requires std::is_arithmetic_v<A> &&(!std::is_same_v<A, double>)Traced(A c)  // NOLINT
      : id_(current_builder().constant(static_cast<double>(c))) {}
  /// The value computed by instruction `id`.
  static Traced from_id(ValueId id) {
    Traced t;
    t.id_ = id;
    return t;
  }

  ValueId id() const {
    if (id_ == no_value) id_ = current_builder().constant(0.0);
    return id_;
  }
  /// The value on the example arguments; an error inside a loop, where there is none.
  double value() const;

  Traced& operator+=(const Traced& o);
  Traced& operator-=(const Traced& o);
  Traced& operator*=(const Traced& o);
  Traced& operator/=(const Traced& o);

 private:
  mutable ValueId id_ = no_value;
};

/// A traced comparison: symbolic in kinase::select, decided (and guarded) where C++ needs a bool.
class TracedBool {
 public:
  explicit TracedBool(ValueId id, std::string what = {}) : id_(id), what_(std::move(what)) {}
  ValueId id() const { return id_; }
  const std::string& what() const { return what_; }
  /// The branch decision (see the file comment); implicit, as the rules write `const bool tie = x == y;`.
  operator bool() const;  // NOLINT
  TracedBool operator!() const { return TracedBool(current_builder().logical_not(id_), "!(" + what_ + ")"); }

 private:
  ValueId id_;
  std::string what_;
};

inline TracedBool operator&&(const TracedBool& a, const TracedBool& b) {
  return TracedBool(current_builder().logical_and(a.id(), b.id()), a.what() + " && " + b.what());
}
inline TracedBool operator||(const TracedBool& a, const TracedBool& b) {
  return TracedBool(current_builder().logical_or(a.id(), b.id()), a.what() + " || " + b.what());
}
inline bool operator&&(const TracedBool& a, bool b) { return b && static_cast<bool>(a); }
inline bool operator&&(bool a, const TracedBool& b) { return a && static_cast<bool>(b); }
inline bool operator||(const TracedBool& a, bool b) { return b || static_cast<bool>(a); }
inline bool operator||(bool a, const TracedBool& b) { return a || static_cast<bool>(b); }

/// The plain value a rule compares (base_value of other engines): for the tracer, the traced value itself.
inline const Traced& base_value(const Traced& x) { return x; }

namespace detail {
inline ValueId operand(const Traced& t) { return t.id(); }
template <class A>
requires std::is_arithmetic_v<A> ValueId operand(const A& a) {
  return current_builder().constant(static_cast<double>(a));
}
TracedBool compare(Cmp c, ValueId a, ValueId b);
}  // namespace detail

#define KINASE_IR_COMPARISON(OP, CMP)                                                    \
  inline TracedBool operator OP(const Traced& a, const Traced& b) {                      \
    return detail::compare(Cmp::CMP, a.id(), b.id());                                    \
  }                                                                                      \
  template <class A>                                                                     \
  requires std::is_arithmetic_v<A> TracedBool operator OP(const Traced& a, const A& b) { \
    return detail::compare(Cmp::CMP, a.id(), detail::operand(b));                        \
  }                                                                                      \
  template <class A>                                                                     \
  requires std::is_arithmetic_v<A> TracedBool operator OP(const A& a, const Traced& b) { \
    return detail::compare(Cmp::CMP, detail::operand(a), b.id());                        \
  }
KINASE_IR_COMPARISON(<, Lt)
KINASE_IR_COMPARISON(<=, Le)
KINASE_IR_COMPARISON(>, Gt)
KINASE_IR_COMPARISON(>=, Ge)
KINASE_IR_COMPARISON(==, Eq)
KINASE_IR_COMPARISON(!=, Ne)
#undef KINASE_IR_COMPARISON

/// A traced array position: a loop counter, or arithmetic on one. Known positions fold to constants.
class Index {
 public:
  Index(std::int64_t c) : id_(current_builder().index_constant(c)) {}  // NOLINT: implicit from an integer
  template <class I>
  requires std::is_integral_v<I> &&(!std::is_same_v<I, std::int64_t>)Index(I c)  // NOLINT
      : Index(static_cast<std::int64_t>(c)) {}
  static Index from_id(ValueId id) {
    Index i(0);
    i.id_ = id;
    return i;
  }
  ValueId id() const { return id_; }

  friend Index operator+(const Index& a, const Index& b) { return from_id(current_builder().index_add(a.id_, b.id_)); }
  friend Index operator-(const Index& a, const Index& b) { return from_id(current_builder().index_sub(a.id_, b.id_)); }
  friend Index operator*(const Index& a, const Index& b) { return from_id(current_builder().index_mul(a.id_, b.id_)); }

 private:
  ValueId id_;
};

/// An input array while tracing: reading an element records a Load. Elements may be overwritten (the function's
/// local copy changes; the input does not); such an array can no longer be read at a loop counter.
class Array {
 public:
  using value_type = Traced;
  Array(std::uint32_t input, std::size_t size, std::string name)
      : input_(input), elements_(size), name_(std::move(name)) {}

  std::size_t size() const { return elements_.size(); }
  bool empty() const { return elements_.empty(); }
  const Traced& operator[](std::size_t k) const;
  Traced& operator[](std::size_t k) {
    const Traced& e = std::as_const(*this)[k];
    modified_ = true;
    return const_cast<Traced&>(e);
  }
  /// The element at a traced position (inside kinase::for_range).
  Traced operator[](const Index& k) const;
  Traced operator[](const Index& k) { return std::as_const(*this)[k]; }
  template <class I>
  requires std::is_signed_v<I> && std::is_integral_v<I>
  const Traced& operator[](I k) const { return (*this)[static_cast<std::size_t>(k)]; }

  const Traced* begin() const;
  const Traced* end() const { return begin() + size(); }

 private:
  std::uint32_t input_;
  mutable std::vector<Traced> elements_;
  mutable std::vector<char> loaded_;
  std::string name_;
  bool modified_ = false;
};

}  // namespace kinase::ir

namespace kinase {

template <>
struct engine<ir::Traced> {
  static constexpr int depth = 1;

  template <class Op, class... A>
  static ir::Traced apply(const A&... a) {
    constexpr int index = ir::op_index_v<Op>;
    static_assert(index >= 0,
                  "kinase::compile: this op has no IR instruction; the compiled engine records the ops of "
                  "include/kinase/ops/ (a user-written rule runs on the tape and Dual engines only)");
    ir::Builder& b = ir::current_builder();
    if constexpr (ir::has_int_param_v<Op>) {
      const auto args = [&](const auto& x, int n) {
        const ir::ValueId ids[] = {ir::detail::operand(x)};
        return b.math(static_cast<std::uint16_t>(index), ids, n);
      };
      return ir::Traced::from_id(args(a...));
    } else {
      const ir::ValueId ids[] = {ir::detail::operand(a)...};
      return ir::Traced::from_id(b.math(static_cast<std::uint16_t>(index), ids));
    }
  }
};

namespace detail {
template <>
struct loop_engine<ir::Traced> {
  template <class Body>
  static ir::Traced run(std::int64_t lo, std::int64_t hi, const ir::Traced& init, Body& body) {
    const ir::ValueId ids[] = {init.id()};
    const auto results = run_ids(lo, hi, ids, [&](const ir::Index& i, std::span<const ir::ValueId> c) {
      const ir::Traced next = body(i, ir::Traced::from_id(c[0]));
      return std::vector<ir::ValueId>{next.id()};
    });
    return ir::Traced::from_id(results[0]);
  }
  template <std::size_t K, class Body>
  static std::array<ir::Traced, K> run(std::int64_t lo, std::int64_t hi, const std::array<ir::Traced, K>& init,
                                       Body& body) {
    std::vector<ir::ValueId> ids;
    for (const auto& v : init) ids.push_back(v.id());
    const auto results = run_ids(lo, hi, ids, [&](const ir::Index& i, std::span<const ir::ValueId> c) {
      std::array<ir::Traced, K> carry;
      for (std::size_t k = 0; k < K; ++k) carry[k] = ir::Traced::from_id(c[k]);
      const std::array<ir::Traced, K> next = body(i, carry);
      std::vector<ir::ValueId> out;
      for (const auto& v : next) out.push_back(v.id());
      return out;
    });
    std::array<ir::Traced, K> r;
    for (std::size_t k = 0; k < K; ++k) r[k] = ir::Traced::from_id(results[k]);
    return r;
  }

 private:
  static std::vector<ir::ValueId> run_ids(
      std::int64_t lo, std::int64_t hi, std::span<const ir::ValueId> init,
      const std::function<std::vector<ir::ValueId>(const ir::Index&, std::span<const ir::ValueId>)>& body);
};

template <>
struct select_engine<ir::Traced> {
  static ir::Traced run(const ir::TracedBool& c, const ir::Traced& a, const ir::Traced& b) {
    return ir::Traced::from_id(ir::current_builder().select(c.id(), a.id(), b.id()));
  }
};
}  // namespace detail

}  // namespace kinase
