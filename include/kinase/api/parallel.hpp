#pragma once
// Parallel gradients of a sum over data: ∇ₓ Σᵢ term(x, i). Each thread records its share of the terms on its own
// tape (the thread's workspace: tapes are objects, nothing is shared while recording), sweeps it, and the
// per-thread gradients are added at the end in thread order, so that the result does not depend on scheduling (for
// a given thread count).
#include <cstddef>
#include <exception>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "kinase/api/containers.hpp"
#include "kinase/api/results.hpp"
#include "kinase/api/reverse.hpp"
#include "kinase/core/error.hpp"
#include "kinase/reverse/real.hpp"

namespace kinase {

/// The value and gradient of f(x) = Σ_{i < count} term(x, i), with `threads` threads (0: one per hardware
/// thread, at most one per term). `term` must be safe to call from several threads at once (read shared data,
/// write nothing shared) and written generically: it receives x as the container of the tape's Reals. Returns
/// {primal, derivative} like gradient(ReverseWithPrimal, ...). An exception thrown by a term on any thread is
/// rethrown here.
template <class F, class X>
auto parallel_gradient(F&& term, const X& x, std::size_t count, std::size_t threads = 0) {
  detail::check_sweep_input<X>();
  using Tr = container_traits<X>;
  using S = typename Tr::element;
  if (threads == 0) threads = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  threads = std::max<std::size_t>(1, std::min(threads, count));
  const std::size_t n = Tr::size(x);
  std::vector<std::vector<S>> grads(threads, std::vector<S>(n, S(0)));
  std::vector<S> values(threads, S(0));
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](std::size_t t) {
    try {
      const std::size_t begin = count * t / threads, end = count * (t + 1) / threads;
      auto share = [&](const auto& xr) {
        using R = std::remove_cvref_t<decltype(detail::element_at(xr, 0))>;
        R acc = 0;
        for (std::size_t i = begin; i < end; ++i) acc += term(xr, i);
        return acc;
      };
      values[t] = detail::reverse_gradient_into(share, x, grads[t]);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  auto grad = Tr::template make_like<S>(x);
  S value = 0;
  for (std::size_t i = 0; i < n; ++i) detail::element_at(grad, i) = S(0);
  for (std::size_t t = 0; t < threads; ++t) {
    value += values[t];
    for (std::size_t i = 0; i < n; ++i) detail::element_at(grad, i) += grads[t][i];
  }
  return PrimalAndDerivative<S, decltype(grad)>{value, std::move(grad)};
}

}  // namespace kinase
