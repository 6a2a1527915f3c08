#pragma once
// output_size<M>: how many values the function returns, for jacobian(Reverse, ...) (Enzyme's n_outs). Kinase
// learns the size while recording; when given, it is checked.
#include <cstddef>

namespace kinase {

template <std::size_t M>
struct OutputSize {
  static_assert(M >= 1, "kinase::output_size<M>: the output size M must be at least 1");
  static constexpr std::size_t size = M;
};

template <std::size_t M>
inline constexpr OutputSize<M> output_size{};

}  // namespace kinase
