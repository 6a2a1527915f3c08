#pragma once
// Index management for the tape: every live active variable owns one index into the adjoint vector; 0 means
// passive. Indices of dead variables are reused (last freed, first reused), so the adjoint vector is sized by the
// number of variables alive at once, not by the length of the recording.
#include <cstdint>
#include <vector>

namespace kinase {

/// An active variable's slot in the adjoint vector; 0 is the passive index (a constant).
using Index = std::int32_t;

class IndexManager {
 public:
  Index allocate() {
    if (!free_.empty()) {
      const Index i = free_.back();
      free_.pop_back();
      return i;
    }
    return ++largest_;
  }
  void release(Index i) {
    if (i != 0) free_.push_back(i);
  }
  /// Every index is free again (after the tape is cleared).
  void reset() {
    free_.clear();
    largest_ = 0;
  }
  /// The largest index handed out: the adjoint vector needs largest() + 1 entries.
  Index largest() const { return largest_; }
  std::size_t live() const { return static_cast<std::size_t>(largest_) - free_.size(); }

 private:
  std::vector<Index> free_;
  Index largest_ = 0;
};

}  // namespace kinase
