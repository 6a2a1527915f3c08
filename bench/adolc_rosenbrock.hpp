#pragma once
// ADOL-C taping the extended Rosenbrock function, shared by B1 and B4.
#include <adolc/adolc.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "rosenbrock.hpp"

namespace kinase::bench {

// ADOL-C's trace buffers are sized to hold the whole tape in memory: with its defaults (2^19 entries) a tape this
// long goes to files in the working directory. Entries per summand, measured with tapestats: about 12 operations,
// 30 locations, 3 values; sizes are generous (untouched buffer pages cost no memory).
struct AdolcBuffers {
  unsigned operations, locations, values, taylors;
};
inline AdolcBuffers adolc_buffers(std::size_t n) {
  const auto sized = [&](std::size_t per_summand) {
    return static_cast<unsigned>(std::min<std::size_t>(per_summand * n + 4096, 0xffffffffu));
  };
  return {sized(16), sized(40), sized(4), sized(16)};
}

// Records rosenbrock(x) on ADOL-C tape `tag`.
inline void adolc_tape(short tag, const std::vector<double>& x) {
  const AdolcBuffers b = adolc_buffers(x.size());
  trace_on(tag, 0, b.operations, b.locations, b.values, b.taylors);
  {
    std::vector<adouble> ax(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) ax[i] <<= x[i];
    adouble y = rosenbrock(ax);
    double value;
    y >>= value;
  }
  trace_off();
}

}  // namespace kinase::bench
