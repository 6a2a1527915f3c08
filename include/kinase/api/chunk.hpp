#pragma once
// chunk<K>: how many lanes (seeds) one sweep carries in `gradient` and `jacobian` (ForwardDiff's "chunk",
// Enzyme's "width"). Fixed at compile time because the lanes are the Dual's array.
#include <cstddef>

namespace kinase {

template <std::size_t K>
struct Chunk {
  static_assert(K >= 1, "kinase::chunk<K>: the chunk size K must be at least 1");
  static constexpr std::size_t size = K;
};

/// The chunk size chosen from the input length: the smallest of 1, 2, 4, 8 that covers it, at most 8.
struct AutoChunk {};

template <std::size_t K>
inline constexpr Chunk<K> chunk{};

}  // namespace kinase
