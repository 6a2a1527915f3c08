#pragma once
// The Jacobian tape (design §4): for every recorded statement y = f(x₁, ..., xₙ), the index of y and the n pairs
// (∂f/∂xᵢ, index of xᵢ). Reverse mode plays it backwards: ȳ is read and cleared, then x̄ᵢ += ∂f/∂xᵢ · ȳ.
// The tape is an object; a thread records into it while a Recording scope is alive (no global tape in a type).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "kinase/core/error.hpp"
#include "kinase/ops/op.hpp"
#include "kinase/reverse/chunked.hpp"
#include "kinase/reverse/index_manager.hpp"

namespace kinase {

template <class T>
class Tape;

namespace detail {
/// The tape this thread records into for scalar type T (set only by Recording).
template <class T>
inline thread_local Tape<T>* current_tape = nullptr;

/// Stamps: every time an index takes a new meaning (a variable is created on it, or assigned a new value in place)
/// it gets a fresh stamp, and a variable remembers the stamp it got. A variable whose stamp is no longer its index's
/// stamp on this tape (it belongs to another tape, was destroyed, or was overwritten) is detected when it enters a
/// statement. Stamps come from thread-local blocks of a process-wide 32-bit counter: unique until 2³² have been
/// handed out, with no atomic operation per statement. 0 means "free".
inline std::uint32_t next_stamp() {
  static std::atomic<std::uint32_t> blocks{0};
  constexpr std::uint32_t block = 1u << 20;
  thread_local std::uint32_t next = 0, end = 0;
  if (next == end) {
    next = blocks.fetch_add(block, std::memory_order_relaxed);
    end = next + block;
    if (next == 0) ++next;  // the first block of each wrap skips 0
  }
  return next++;
}
}  // namespace detail

/// A tape entry for a computation recorded as a whole (an external function, a matrix rule, a checkpointed loop):
/// the sweep calls `reverse` in its place. `adjoints` is the adjoint storage: the adjoint of index i in lane l is
/// adjoints[i * lanes + l]. It reads (and clears) the adjoints of its outputs and adds to those of its inputs.
template <class T>
class TapeCallback {
 public:
  virtual ~TapeCallback() = default;
  virtual void reverse(T* adjoints, std::size_t lanes) = 0;
  /// Bytes the entry holds (saved values), counted in TapeStats::bytes_used.
  virtual std::size_t bytes() const = 0;
};

/// What a tape holds: printable with <<.
struct TapeStats {
  std::size_t statements = 0;      ///< recorded assignments
  std::size_t arguments = 0;       ///< (partial, index) pairs over all statements
  std::size_t bytes_used = 0;      ///< bytes of recorded data
  std::size_t bytes_reserved = 0;  ///< bytes of blocks held (used or kept for reuse)
  std::size_t largest_index = 0;   ///< adjoint vector length − 1
  std::size_t live_indices = 0;    ///< active variables alive now
  std::size_t callbacks = 0;       ///< entries recorded as a whole (external functions, matrix rules, loops)
  double bytes_per_statement() const { return statements ? double(bytes_used) / double(statements) : 0.0; }

  friend std::ostream& operator<<(std::ostream& os, const TapeStats& s) {
    return os << "statements " << s.statements << ", arguments " << s.arguments << ", bytes used " << s.bytes_used
              << " (" << s.bytes_per_statement() << " per statement), bytes reserved " << s.bytes_reserved
              << ", largest index " << s.largest_index << ", live indices " << s.live_indices << ", callbacks "
              << s.callbacks;
  }
};

/// A Jacobian tape for active scalars Real<T>.
template <class T>
class Tape {
 public:
  struct Statement {
    Index lhs;
    std::uint32_t arguments;
  };

  /// A place in the recording: reset to it, or evaluate between two of them.
  struct Position {
    typename detail::ChunkedVector<Statement>::Position statements;
    typename detail::ChunkedVector<T>::Position partials;
    typename detail::ChunkedVector<Index>::Position indices;
    std::size_t callbacks = 0;
    friend bool operator==(const Position&, const Position&) = default;
  };

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  /// Destroying a tape while a Recording scope on it is open would leave the thread recording into freed memory:
  /// that is a bug in the caller, reported and fatal (a destructor cannot throw).
  ~Tape() {
    if (open_recordings_ != 0) {
      std::fputs(
          "kinase::Tape: the tape is destroyed while a Recording scope on it is still open; close the Recording "
          "(let it go out of scope) before the tape\n",
          stderr);
      std::abort();
    }
  }

  /// True when this index still holds the value a variable with this stamp got on this tape (see
  /// detail::next_stamp and release_index).
  bool owns(Index i, std::uint32_t stamp) const {
    return static_cast<std::size_t>(i) < stamps_.size() && stamps_[static_cast<std::size_t>(i)] == stamp;
  }

  // --- recording (used by Real) ---------------------------------------------------------------------------------

  /// Where a statement of at most `n` arguments writes them; `end_statement` records it.
  struct ArgumentWriter {
    T* partials;
    Index* indices;
    const std::uint32_t* stamps;
    std::size_t stamp_count;
    std::uint32_t count = 0;
    /// Adds ∂/∂(index) = p, merging repeated occurrences of one variable into a single argument.
    [[gnu::always_inline]] void push(const T& p, Index index) {
      for (std::uint32_t k = 0; k < count; ++k) {
        if (indices[k] == index) {
          partials[k] += p;
          return;
        }
      }
      partials[count] = p;
      indices[count] = index;
      ++count;
    }
  };
  /// The partial and index stores have equal blocks and get the same requests, so they move to a new block
  /// together; if the second cannot grow (out of memory), the first is put back, so they stay in step.
  ArgumentWriter begin_statement(std::size_t max_arguments) {
    const auto before = partials_.position();
    T* partials = partials_.reserve(max_arguments);
    Index* indices;
    try {
      indices = indices_.reserve(max_arguments);
    } catch (...) {
      partials_.reset(before);
      throw;
    }
    return ArgumentWriter{partials, indices, stamps_.data(), stamps_.size(), 0};
  }
  /// Records the statement (its header first: if that cannot grow, nothing is committed).
  void end_statement(Index lhs, const ArgumentWriter& w) {
    statements_.push_back(Statement{lhs, w.count});
    partials_.commit(w.count);
    indices_.commit(w.count);
  }

  /// A fresh index (a new variable) and its stamp.
  std::pair<Index, std::uint32_t> allocate_index() {
    const Index i = indices_manager_.allocate();
    if (static_cast<std::size_t>(i) >= stamps_.size())
      stamps_.resize(std::max<std::size_t>(static_cast<std::size_t>(i) + 1, 2 * stamps_.size()), 0);
    return {i, stamps_[static_cast<std::size_t>(i)] = detail::next_stamp()};
  }
  /// The variable at index i takes a new value in place: a new stamp.
  std::uint32_t renew_index(Index i) { return stamps_[static_cast<std::size_t>(i)] = detail::next_stamp(); }
  /// The variable at index i is gone; its index may be handed out again. Its stamp stays until then: an expression
  /// that copied the variable (a function's by-value parameter in a returned expression, say) may still be recorded
  /// while the index is free, and is right (the slot's adjoint still flows back through the statement that defined
  /// it); once the index is handed out again its stamp changes and such an expression is an error.
  void release_index(Index i) { indices_manager_.release(i); }

  /// Records `callback` as one entry: the sweep calls it in its place (see TapeCallback). Its outputs get their
  /// indices from `assign_output` after this call or before; its inputs' indices and values are its own to keep.
  void push_callback(std::unique_ptr<TapeCallback<T>> callback) {
    statements_.push_back(Statement{0, static_cast<std::uint32_t>(callbacks_.size())});
    callbacks_.push_back(std::move(callback));
  }

  /// The variable y takes a new value computed outside a statement (the output of a callback): it keeps its index
  /// with a new stamp when it has one on this tape, else gets a fresh index.
  template <class R>
  void assign_output(R& y) {
    if (y.index() != 0 && owns(y.index(), y.stamp())) {
      y.bind_to(y.index(), renew_index(y.index()), /*release_old=*/false);
    } else {
      const auto [i, stamp] = allocate_index();
      y.bind_to(i, stamp);
    }
  }

  /// Gives x an index of this tape without recording a statement: x becomes an independent input.
  template <class R>
  void register_input(R& x) {
    const auto [i, stamp] = allocate_index();
    x.bind_to(i, stamp);
  }

  // --- positions ------------------------------------------------------------------------------------------------

  Position position() const {
    return {statements_.position(), partials_.position(), indices_.position(), callbacks_.size()};
  }
  /// Drops the statements recorded after p (the memory is kept for reuse).
  void reset(const Position& p) {
    statements_.reset(p.statements);
    partials_.reset(p.partials);
    indices_.reset(p.indices);
    callbacks_.resize(p.callbacks);
  }
  /// Drops every statement and frees every index: the tape is empty, its memory kept for the next recording.
  /// Every stamp is cleared, so active variables from before are foreign to it: using one in an expression throws,
  /// and destroying one frees nothing. `clear_adjoints = false` skips zeroing the adjoint vector, for a
  /// caller that knows it is zero (a full sweep clears every left-hand side; the API clears what it reads).
  void reset(bool clear_adjoints = true) {
    statements_.clear();
    partials_.clear();
    indices_.clear();
    callbacks_.clear();
    indices_manager_.reset();
    std::fill(stamps_.begin(), stamps_.end(), 0u);
    if (clear_adjoints) std::fill(adjoints_.begin(), adjoints_.end(), T(0));
  }

  // --- adjoints -------------------------------------------------------------------------------------------------

  /// The adjoint of an index (grown as needed).
  T& adjoint(Index i) {
    if (static_cast<std::size_t>(i) >= adjoints_.size()) adjoints_.resize(static_cast<std::size_t>(i) + 1, T(0));
    return adjoints_[static_cast<std::size_t>(i)];
  }
  /// The adjoint of a variable. A passive variable (a constant) has none: its slot reads 0 and absorbs writes. A
  /// variable of another tape, or from before a reset, is an error.
  template <class R>
  T& adjoint(const R& x) {
    if (x.index() == 0) {
      T& sink = adjoint(Index{0});
      sink = T(0);
      return sink;
    }
    if (!owns(x.index(), x.stamp()))
      throw Error("kinase::Tape::adjoint: the variable was recorded on another tape (or before this tape's reset)");
    return adjoint(x.index());
  }
  void clear_adjoints() { std::fill(adjoints_.begin(), adjoints_.end(), T(0)); }

  /// The reverse sweep over the whole recording.
  void evaluate() { evaluate(position(), Position{}); }

  /// The reverse sweep from `from` back to `to` (from is the later position).
  void evaluate(const Position& from, const Position& to) {
    adjoints_.resize(std::max(adjoints_.size(), static_cast<std::size_t>(indices_manager_.largest()) + 1), T(0));
    try {
      sweep<1>(from, to, [&](Index i) -> T* { return &adjoints_[static_cast<std::size_t>(i)]; });
    } catch (...) {
      clear_adjoints();  // a callback threw (a rule's error): leave the adjoints zero, as a finished sweep does
      throw;
    }
  }

  /// The reverse sweep with L adjoint lanes per variable (several output seeds in one sweep): `adjoints[i][l]`.
  template <std::size_t L>
  void evaluate(std::vector<std::array<T, L>>& adjoints, const Position& from, const Position& to) {
    adjoints.resize(std::max(adjoints.size(), static_cast<std::size_t>(indices_manager_.largest()) + 1));
    sweep<L>(from, to, [&](Index i) -> T* { return adjoints[static_cast<std::size_t>(i)].data(); });
  }
  template <std::size_t L>
  void evaluate(std::vector<std::array<T, L>>& adjoints) {
    evaluate(adjoints, position(), Position{});
  }

  TapeStats stats() const {
    TapeStats s;
    s.statements = statements_.size();
    s.arguments = partials_.size();
    s.bytes_used = statements_.size() * sizeof(Statement) + partials_.size() * (sizeof(T) + sizeof(Index));
    for (const auto& c : callbacks_) s.bytes_used += c->bytes();
    s.callbacks = callbacks_.size();
    s.bytes_reserved = statements_.bytes_reserved() + partials_.bytes_reserved() + indices_.bytes_reserved() +
                       adjoints_.capacity() * sizeof(T) + callbacks_.capacity() * sizeof(callbacks_[0]);
    s.largest_index = static_cast<std::size_t>(indices_manager_.largest());
    s.live_indices = indices_manager_.live();
    return s;
  }

 private:
  // Statements are walked backwards block by block; a statement's arguments are contiguous in one block, and the
  // argument blocks are walked backwards in step.
  template <std::size_t L, class Adjoint>
  void sweep(const Position& from, const Position& to, Adjoint&& adjoint_of) {
    if (statements_.chunk_count() == 0) return;
    std::size_t arg_chunk = from.partials.chunk;
    std::size_t arg_end = from.partials.used;
    for (std::size_t sc = from.statements.chunk + 1; sc-- > to.statements.chunk;) {
      const Statement* stmts = statements_.chunk_data(sc);
      const std::size_t s_end = sc == from.statements.chunk ? from.statements.used : statements_.chunk_used(sc);
      const std::size_t s_begin = sc == to.statements.chunk ? to.statements.used : 0;
      for (std::size_t s = s_end; s-- > s_begin;) {
        const Statement st = stmts[s];
        if (st.lhs == 0) {  // a callback entry (no statement has the passive index as its left-hand side)
          static_assert(sizeof(std::array<T, L>) == L * sizeof(T));
          callbacks_[st.arguments]->reverse(adjoint_of(Index{0}), L);
          continue;
        }
        while (arg_end < st.arguments) {  // this statement's arguments are in an earlier block
          --arg_chunk;
          arg_end = partials_.chunk_used(arg_chunk);
        }
        arg_end -= st.arguments;
        T* lhs = adjoint_of(st.lhs);
        std::array<T, L> bar;
        bool zero = true;
        for (std::size_t l = 0; l < L; ++l) {
          bar[l] = lhs[l];
          lhs[l] = T(0);
          zero = zero && ops::is_zero(bar[l]);  // every component: T may be a Dual (forward-over-reverse)
        }
        if (zero) continue;  // nothing to propagate; also the strong-zero rule (0 · inf partials stay out)
        const T* p = partials_.chunk_data(arg_chunk) + arg_end;
        const Index* ix = indices_.chunk_data(arg_chunk) + arg_end;
        for (std::uint32_t k = 0; k < st.arguments; ++k) {
          T* a = adjoint_of(ix[k]);
          for (std::size_t l = 0; l < L; ++l) a[l] += p[k] * bar[l];
        }
      }
    }
  }

  std::vector<std::uint32_t> stamps_ = std::vector<std::uint32_t>(1, 0);
  detail::ChunkedVector<Statement> statements_;
  detail::ChunkedVector<T> partials_;
  detail::ChunkedVector<Index> indices_;
  IndexManager indices_manager_;
  std::vector<T> adjoints_;
  std::vector<std::unique_ptr<TapeCallback<T>>> callbacks_;
  int open_recordings_ = 0;

  template <class>
  friend class Recording;
};

/// Records into `tape` on this thread while alive; restores what was recording before. Scopes nest and must close
/// in the reverse order of opening (as local variables do). Closing one while a scope opened after it is still
/// open throws kinase::Error (unless an exception is already unwinding the stack): the scope is taken out of the
/// chain, so that the later scope, when it closes, restores what was recording before both.
template <class T>
class Recording {
 public:
  explicit Recording(Tape<T>& tape)
      : tape_(&tape), previous_(detail::current_tape<T>), outer_(top()), exceptions_(std::uncaught_exceptions()) {
    detail::current_tape<T> = &tape;
    ++tape.open_recordings_;
    top() = this;
  }
  ~Recording() noexcept(false) {
    --tape_->open_recordings_;
    if (top() == this) {
      top() = outer_;
      detail::current_tape<T> = previous_;
      return;
    }
    // Out of order: unlink this scope from the scope opened just after it.
    for (Recording* r = top(); r != nullptr; r = r->outer_) {
      if (r->outer_ == this) {
        r->outer_ = outer_;
        r->previous_ = previous_;
        break;
      }
    }
    if (std::uncaught_exceptions() <= exceptions_)
      throw Error(
          "kinase::Recording: a recording scope is closed while a scope opened after it is still open (scopes must "
          "close in reverse order; a Recording left open, e.g. held in a heap object, leaves the thread recording "
          "into the wrong tape)");
  }
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

 private:
  static Recording*& top() {
    thread_local Recording* innermost = nullptr;
    return innermost;
  }
  Tape<T>* tape_;
  Tape<T>* previous_;
  Recording* outer_;
  int exceptions_;  // exceptions in flight when the scope opened: more at its close means the stack is unwinding
};

}  // namespace kinase
