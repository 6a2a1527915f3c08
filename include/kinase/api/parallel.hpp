#pragma once
// Parallel gradients of a sum over data: ∇ₓ Σᵢ term(x, i). Each thread records its share of the terms on its own
// tape (the thread's workspace: tapes are objects, nothing is shared while recording; the worker threads are kept
// from call to call, so their tapes keep their memory), sweeps it, and the
// per-thread gradients are added at the end in thread order, so that the result does not depend on scheduling (for
// a given thread count).
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "kinase/api/containers.hpp"
#include "kinase/api/results.hpp"
#include "kinase/api/reverse.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/strict.hpp"
#include "kinase/reverse/real.hpp"

namespace kinase {

namespace detail {

/// Threads kept for parallel_gradient, so that each keeps its per-thread tape (and the tape's memory) from one call
/// to the next: a new thread would start with an empty tape every call. `run` runs job(t) for t in [1, count) on the
/// workers and job(0) on the caller, and returns when all are done. A call made while the pool is busy (from a
/// term, or from another thread) gets no pool: the caller then starts threads of its own.
class WorkerPool {
 public:
  static WorkerPool& instance() {
    static WorkerPool pool;
    return pool;
  }
  bool try_run(std::size_t count, const std::function<void(std::size_t)>& job) {
    {
      std::unique_lock lock(mutex_);
      if (busy_) return false;
      busy_ = true;
      try {
        while (workers_.size() + 1 < count) {
          const std::size_t id = workers_.size() + 1;
          workers_.emplace_back([this, id] { serve(id); });
        }
      } catch (...) {  // no thread could be started: the caller starts its own (and fails the same way, loudly)
        busy_ = false;
        return false;
      }
      job_ = &job;
      active_ = count;
      pending_ = count - 1;
      ++generation_;
    }
    wake_.notify_all();
    job(0);
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    busy_ = false;
    return true;
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

 private:
  WorkerPool() = default;
  void serve(std::size_t id) {
    std::size_t seen = 0;
    std::unique_lock lock(mutex_);
    {
      seen = generation_ - 1;  // a worker started for a call takes part in it
    }
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (id >= active_) continue;
      const auto* job = job_;
      lock.unlock();
      (*job)(id);  // the job catches its own exceptions
      lock.lock();
      if (--pending_ == 0) done_.notify_all();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t generation_ = 0, active_ = 0, pending_ = 0;
  bool busy_ = false, stop_ = false;
};

}  // namespace detail

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
  const int strict = detail::strict_depth;  // strict mode reaches the worker threads
  auto work = [&](std::size_t t) {
    try {
      const int saved = detail::strict_depth;
      detail::strict_depth = strict;
      struct Restore {
        int value;
        ~Restore() { detail::strict_depth = value; }
      } restore{saved};
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
  const std::function<void(std::size_t)> job = work;
  if (threads == 1) {
    work(0);
  } else if (!detail::WorkerPool::instance().try_run(threads, job)) {
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
