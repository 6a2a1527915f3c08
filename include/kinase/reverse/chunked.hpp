#pragma once
// Chunked storage for the tape: fixed-size blocks kept in a list, so the tape grows without moving what it holds
// and keeps its memory across recordings (touching fresh pages is expensive: design §7).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kinase/core/error.hpp"

namespace kinase::detail {

/// A sequence of E in blocks of `block` entries. Entries are appended at the end of the current block; a group of
/// entries that must be contiguous (one statement's arguments) moves to the next block when it does not fit, and
/// each block remembers how many entries it holds. Blocks are allocated once and reused after clear() and reset().
template <class E>
class ChunkedVector {
 public:
  explicit ChunkedVector(std::size_t block = std::size_t(1) << 16) : block_(block) {}

  /// Room for `n` contiguous entries at the end; returns where to write them (call commit(n) after writing).
  E* reserve(std::size_t n) {
    if (chunks_.empty() || used_[current_] + n > block_) next_chunk(n);
    return chunks_[current_].get() + used_[current_];
  }
  void commit(std::size_t n) {
    used_[current_] += n;
    size_ += n;
  }
  void push_back(const E& e) {
    *reserve(1) = e;
    commit(1);
  }

  /// Everything recorded is dropped; the blocks stay allocated for the next recording.
  void clear() {
    for (std::size_t c = 0; c <= current_ && c < used_.size(); ++c) used_[c] = 0;
    current_ = 0;
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  std::size_t chunk_count() const { return chunks_.size(); }
  std::size_t bytes_reserved() const { return chunks_.size() * block_ * sizeof(E); }

  /// A place in the sequence: the block and how many entries of it are in use.
  struct Position {
    std::size_t chunk = 0;
    std::size_t used = 0;
    std::size_t size = 0;
    friend bool operator==(const Position&, const Position&) = default;
  };
  Position position() const { return {current_, chunks_.empty() ? 0 : used_[current_], size_}; }

  /// Drops the entries recorded after `p`.
  void reset(const Position& p) {
    for (std::size_t c = p.chunk + 1; c <= current_ && c < used_.size(); ++c) used_[c] = 0;
    current_ = p.chunk;
    if (!used_.empty()) used_[current_] = p.used;
    size_ = p.size;
  }

  const E* chunk_data(std::size_t c) const { return chunks_[c].get(); }
  std::size_t chunk_used(std::size_t c) const { return used_[c]; }

 private:
  void next_chunk(std::size_t n) {
    if (n > block_)
      throw Error("kinase: one tape statement has " + std::to_string(n) +
                  " arguments, more than a storage block holds (" + std::to_string(block_) + ")");
    if (!chunks_.empty()) ++current_;
    if (current_ == chunks_.size()) {
      chunks_.push_back(std::make_unique_for_overwrite<E[]>(block_));
      used_.push_back(0);
    }
    used_[current_] = 0;
  }

  std::size_t block_;
  std::vector<std::unique_ptr<E[]>> chunks_;
  std::vector<std::size_t> used_;
  std::size_t current_ = 0;
  std::size_t size_ = 0;
};

}  // namespace kinase::detail
