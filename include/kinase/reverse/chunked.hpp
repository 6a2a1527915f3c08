#pragma once
// Chunked storage for the tape: fixed-size blocks kept in a list, so the tape grows without moving what it holds
// and keeps its memory across recordings (touching fresh pages is expensive: design §7).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kinase/core/error.hpp"

namespace kinase::detail {

/// A sequence of E in blocks of `block` entries. Entries are appended at a cursor in the current block; a group of
/// entries that must be contiguous (one statement's arguments) moves to the next block when it does not fit, and
/// each block remembers how many entries it holds. Blocks are allocated once and reused after clear() and reset().
/// The hot path (reserve, commit) is a pointer compare and an increment.
template <class E>
class ChunkedVector {
 public:
  explicit ChunkedVector(std::size_t block = std::size_t(1) << 16) : block_(block) {}
  ChunkedVector(const ChunkedVector&) = delete;
  ChunkedVector& operator=(const ChunkedVector&) = delete;

  /// Room for `n` contiguous entries at the cursor; write them there, then commit(n).
  E* reserve(std::size_t n) {
    if (static_cast<std::size_t>(limit_ - cursor_) < n) next_chunk(n);
    return cursor_;
  }
  void commit(std::size_t n) { cursor_ += n; }
  void push_back(const E& e) {
    *reserve(1) = e;
    commit(1);
  }

  /// Everything recorded is dropped; the blocks stay allocated for the next recording.
  void clear() { reset(Position{}); }

  /// A place in the sequence: the block and how many entries of it are in use.
  struct Position {
    std::size_t chunk = 0;
    std::size_t used = 0;
    friend bool operator==(const Position&, const Position&) = default;
  };
  Position position() const {
    if (chunks_.empty()) return {};
    return {current_, static_cast<std::size_t>(cursor_ - chunks_[current_].get())};
  }

  /// Drops the entries recorded after `p`.
  void reset(const Position& p) {
    if (chunks_.empty()) return;
    sync();
    for (std::size_t c = p.chunk + 1; c < used_.size(); ++c) used_[c] = 0;
    current_ = p.chunk;
    used_[current_] = p.used;
    cursor_ = chunks_[current_].get() + p.used;
    limit_ = chunks_[current_].get() + block_;
  }

  /// Entries in use (counting every block).
  std::size_t size() const {
    std::size_t n = 0;
    for (std::size_t c = 0; c < used_.size(); ++c) n += chunk_used(c);
    return n;
  }
  std::size_t chunk_count() const { return chunks_.size(); }
  std::size_t bytes_reserved() const { return chunks_.size() * block_ * sizeof(E); }
  const E* chunk_data(std::size_t c) const { return chunks_[c].get(); }
  std::size_t chunk_used(std::size_t c) const {
    return c == current_ && !chunks_.empty() ? static_cast<std::size_t>(cursor_ - chunks_[c].get()) : used_[c];
  }

 private:
  /// Stores the cursor's count into the current block's record.
  void sync() {
    if (!chunks_.empty()) used_[current_] = static_cast<std::size_t>(cursor_ - chunks_[current_].get());
  }

  void next_chunk(std::size_t n) {
    if (n > block_)
      throw Error("kinase: one tape statement has " + std::to_string(n) +
                  " arguments, more than a storage block holds (" + std::to_string(block_) + ")");
    const bool started = !chunks_.empty();
    const std::size_t next = started ? current_ + 1 : 0;
    if (next == chunks_.size()) {  // allocate before changing any state, so that an exception leaves it intact
      auto block = std::make_unique_for_overwrite<E[]>(block_);
      used_.reserve(used_.size() + 1);
      chunks_.push_back(std::move(block));
      used_.push_back(0);
    }
    if (started) sync();
    current_ = next;
    used_[current_] = 0;
    cursor_ = chunks_[current_].get();
    limit_ = cursor_ + block_;
  }

  std::size_t block_;
  std::vector<std::unique_ptr<E[]>> chunks_;
  std::vector<std::size_t> used_;  // entries per block; the current block's count lives in the cursor
  std::size_t current_ = 0;
  E* cursor_ = nullptr;
  E* limit_ = nullptr;
};

}  // namespace kinase::detail
