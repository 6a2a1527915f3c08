#pragma once
// GradBench's smaller modules: hello, llsq, lse, det, ode, kmeans and saddle. Each decodes its input as the eval
// sends it, runs the objective of modules_objectives.hpp (derivatives from Kinase's engines: reverse mode for
// gradients, forward over reverse for kmeans' Hessian diagonal, nested engines for saddle), and encodes the output as
// the eval expects it. The names and shapes, from GradBench's evals/<name>/README.md and python/gradbench/gradbench/
// evals/<name>/run.py:
//   hello   square(x: number) → x², double(x: number) → d(x²)/dx = 2x
//   llsq    primal / gradient, {x: number[], n: int} → number / number[m]
//   lse     primal / gradient, {x: number[]} → number / number[n]
//   det     primal / gradient, {A: number[ell²] row-major, ell: int} → number / number[ell²] (row-major)
//   ode     primal / gradient, {x: number[n], s: int} → y(2) as number[n] / ∇_x y_{n−1}(2) as number[n]
//   kmeans  cost / dir, {points: number[n][d], centroids: number[k][d]} → number / J·H⁻¹ as number[k][d]
//   saddle  ff / fr / rf / rr, {start: number[2]} → [r1_0, r1_1, r2_0, r2_1]
#include <array>
#include <cstddef>
#include <kinase/kinase.hpp>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gradbench/modules_input.hpp"
#include "gradbench/modules_objectives.hpp"

namespace kinase::gradbench {

/// The element type of a container the API passes to a function (a vector of Reals or of Duals).
template <class V>
using element_of = std::remove_cvref_t<decltype(std::declval<const V&>()[0])>;

/// A container's elements as a span of const scalars.
template <class V>
auto as_span(const V& v) {
  return std::span<const element_of<V>>(v.data(), v.size());
}

// --- hello ---------------------------------------------------------------------------------------------------------

inline Module hello_module() {
  Module m{"hello", {}};
  m.functions.emplace_back("square", [](const Field& input, const Runs& runs) {
    const double x = input.number();
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return x * x; });
    return e;
  });
  // `double` is the derivative of `square` (the eval checks output = 2 · input), by one forward lane.
  m.functions.emplace_back("double", [](const Field& input, const Runs& runs) {
    const double x = input.number();
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return derivative([](auto v) { return v * v; }, x); });
    return e;
  });
  return m;
}

// --- llsq ----------------------------------------------------------------------------------------------------------

inline Module llsq_module() {
  struct Input {
    std::vector<double> x;
    std::size_t n = 0;
  };
  auto read = [](const Field& input) {
    Input in;
    in.x = input.at("x").numbers();
    if (in.x.empty()) input.at("x").fail("expected at least 1 number");
    // t_i = −1 + 2i/(n − 1) needs n ≥ 2.
    in.n = static_cast<std::size_t>(input.at("n").size(2));
    return in;
  };
  Module m{"llsq", {}};
  m.functions.emplace_back("primal", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return llsq_objective<double>(in.x, in.n); });
    return e;
  });
  m.functions.emplace_back("gradient", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    auto f = [n = in.n](const auto& x) { return llsq_objective(as_span(x), n); };
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return gradient(Reverse, f, in.x); });
    return e;
  });
  return m;
}

// --- lse -----------------------------------------------------------------------------------------------------------

inline Module lse_module() {
  auto read = [](const Field& input) {
    std::vector<double> x = input.at("x").numbers();
    if (x.empty()) input.at("x").fail("expected at least 1 number");
    return x;
  };
  Module m{"lse", {}};
  m.functions.emplace_back("primal", [read](const Field& input, const Runs& runs) {
    const std::vector<double> x = read(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return lse_objective<double>(x); });
    return e;
  });
  m.functions.emplace_back("gradient", [read](const Field& input, const Runs& runs) {
    const std::vector<double> x = read(input);
    auto f = [](const auto& v) { return lse_objective(as_span(v)); };
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return gradient(Reverse, f, x); });
    return e;
  });
  return m;
}

// --- det -----------------------------------------------------------------------------------------------------------

/// How many leading rows of the expansion to split the gradient over: the fewest for which one group of terms,
/// about 40 · e · (ell − levels)! bytes of tape, fits the budget.
inline std::size_t det_split_levels(std::size_t ell, std::size_t budget_bytes) {
  for (std::size_t levels = 0; levels < ell; ++levels) {
    double factorial = 1.0;
    for (std::size_t i = 2; i <= ell - levels; ++i) factorial *= static_cast<double>(i);
    if (40.0 * 2.72 * factorial <= static_cast<double>(budget_bytes)) return levels;
  }
  return ell;
}

/// ∇ det A by reverse mode. When the whole expansion's tape would exceed the budget, det A is split into the groups
/// of terms that share their first `levels` columns (det_term), and their gradients, each one recording and one
/// sweep, are added up.
inline std::vector<double> det_gradient(const std::vector<double>& A, std::size_t ell, std::size_t budget_bytes) {
  const std::size_t levels = det_split_levels(ell, budget_bytes);
  if (levels == 0)
    return gradient(
        Reverse, [ell](const auto& a) { return det_objective(as_span(a), ell); }, A);
  std::vector<double> total(A.size(), 0.0);
  std::vector<std::size_t> prefix;
  std::vector<bool> used(ell, false);
  // Every sequence of `levels` distinct columns, depth first.
  auto visit = [&](auto& self) -> void {
    if (prefix.size() == levels) {
      const std::span<const std::size_t> p(prefix);
      const std::vector<double> g = gradient(
          Reverse, [ell, p](const auto& a) { return det_term(as_span(a), ell, p); }, A);
      for (std::size_t i = 0; i < total.size(); ++i) total[i] += g[i];
      return;
    }
    for (std::size_t c = 0; c < ell; ++c) {
      if (used[c]) continue;
      used[c] = true;
      prefix.push_back(c);
      self(self);
      prefix.pop_back();
      used[c] = false;
    }
  };
  visit(visit);
  return total;
}

inline Module det_module(const Options& options) {
  struct Input {
    std::vector<double> A;
    std::size_t ell = 0;
  };
  auto read = [](const Field& input) {
    Input in;
    in.ell = static_cast<std::size_t>(input.at("ell").size(1));
    in.A = input.at("A").numbers();
    if (in.A.size() != in.ell * in.ell)
      input.at("A").fail("expected ell² = " + std::to_string(in.ell * in.ell) + " numbers, got " +
                         std::to_string(in.A.size()));
    return in;
  };
  Module m{"det", {}};
  m.functions.emplace_back("primal", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return det_objective<double>(in.A, in.ell); });
    return e;
  });
  m.functions.emplace_back("gradient",
                           [read, budget = options.tape_budget_bytes](const Field& input, const Runs& runs) {
                             const Input in = read(input);
                             Evaluation e;
                             e.output = run_timed(runs, e.timings, [&] { return det_gradient(in.A, in.ell, budget); });
                             return e;
                           });
  return m;
}

// --- ode -----------------------------------------------------------------------------------------------------------

/// Steps per taped segment: one step's tape is about 300 bytes per unknown.
inline std::size_t ode_segment(std::size_t n, std::size_t budget_bytes) {
  const std::size_t per_step = 300 * (n == 0 ? 1 : n);
  return budget_bytes / per_step == 0 ? 1 : budget_bytes / per_step;
}

inline Module ode_module(const Options& options) {
  struct Input {
    std::vector<double> x;
    std::size_t s = 0;
  };
  auto read = [](const Field& input) {
    Input in;
    in.x = input.at("x").numbers();
    if (in.x.empty()) input.at("x").fail("expected at least 1 number");
    in.s = static_cast<std::size_t>(input.at("s").size(0));
    return in;
  };
  Module m{"ode", {}};
  m.functions.emplace_back("primal", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return ode_solve<double>(in.x, in.s, in.s); });
    return e;
  });
  // The gradient of the last component of y(2) with respect to every x_j.
  m.functions.emplace_back("gradient",
                           [read, budget = options.tape_budget_bytes](const Field& input, const Runs& runs) {
                             const Input in = read(input);
                             const std::size_t segment = ode_segment(in.x.size(), budget);
                             auto f = [s = in.s, segment](const auto& x) {
                               using S = element_of<decltype(x)>;
                               const std::vector<S> y = ode_solve(as_span(x), s, segment);
                               return S(y.back());
                             };
                             Evaluation e;
                             e.output = run_timed(runs, e.timings, [&] { return gradient(Reverse, f, in.x); });
                             return e;
                           });
  return m;
}

// --- kmeans --------------------------------------------------------------------------------------------------------

inline Module kmeans_module() {
  struct Input {
    std::vector<double> points, centroids;
    std::size_t d = 0;
  };
  auto read = [](const Field& input) {
    Input in;
    std::size_t n = 0, k = 0, d = 0;
    in.points = input.at("points").matrix(Field::npos, Field::npos, &n, &d);
    if (n == 0 || d == 0) input.at("points").fail("expected at least 1 point of at least 1 coordinate");
    in.centroids = input.at("centroids").matrix(Field::npos, d, &k);
    if (k == 0) input.at("centroids").fail("expected at least 1 centroid");
    in.d = d;
    return in;
  };
  Module m{"kmeans", {}};
  m.functions.emplace_back("cost", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    Evaluation e;
    e.output = run_timed(runs, e.timings, [&] { return kmeans_cost<double>(in.points, in.centroids, in.d); });
    return e;
  });
  // The Newton direction J·H⁻¹: the gradient J and the Hessian H of the cost with respect to the centroids. H is
  // diagonal (each centroid coordinate enters only its own squared differences), so H·1 is its diagonal: both come
  // from one forward-over-reverse sweep (hvp_and_gradient_into with v = 1).
  m.functions.emplace_back("dir", [read](const Field& input, const Runs& runs) {
    const Input in = read(input);
    const std::span<const double> points(in.points);
    const std::size_t d = in.d;
    auto f = [points, d](const auto& c) { return kmeans_cost(points, as_span(c), d); };
    const std::vector<double> ones(in.centroids.size(), 1.0);
    Evaluation e;
    const std::vector<double> dir = run_timed(runs, e.timings, [&] {
      std::vector<double> grad(in.centroids.size()), hdiag(in.centroids.size());
      hvp_and_gradient_into(hdiag, grad, f, in.centroids, ones);
      for (std::size_t i = 0; i < grad.size(); ++i) grad[i] /= hdiag[i];
      return grad;
    });
    // A centroid that is no point's nearest has a zero Hessian: GradBench's inputs exclude it, and the direction
    // would be 0/0.
    for (std::size_t i = 0; i < dir.size(); ++i)
      if (!std::isfinite(dir[i]))
        throw InputError("input.centroids[" + std::to_string(i / d) +
                         "]: no point is nearest to this centroid, so its Hessian is zero and the Newton direction "
                         "is undefined");
    e.output = rows_to_json(dir.data(), dir.size() / d, d);
    return e;
  });
  return m;
}

// --- saddle --------------------------------------------------------------------------------------------------------

enum class AdMode { forward, reverse };

/// True for the reverse engine's scalar, kinase::Real<T>.
template <class T>
inline constexpr bool is_tape_real = false;
template <class T>
inline constexpr bool is_tape_real<Real<T>> = true;

/// ∂f(p1, p2)/∂p2 by `Mode`, on the scalar T of the level it runs at (double, or the outer call's Duals or Reals).
/// Forward mode over Reals is written with kinase::Dual directly (the API's forward gradient takes floating-point or
/// Dual inputs only); reverse mode over Reals would need a tape over Reals, which Kinase does not nest.
template <AdMode Mode, class T>
std::vector<T> saddle_inner_gradient(const std::vector<T>& p1, const std::vector<T>& p2) {
  auto f = [&p1](const auto& v) {
    using V = element_of<decltype(v)>;
    V r = saddle_f(V(p1[0]), V(p1[1]), v[0], v[1]);
    return r;
  };
  if constexpr (Mode == AdMode::forward) {
    if constexpr (is_tape_real<T>) {
      using D = Dual<T, 2>;
      const std::vector<D> v{D(p2[0], {T(1.0), T(0.0)}), D(p2[1], {T(0.0), T(1.0)})};
      const D r = f(v);
      return {r.tangent[0], r.tangent[1]};
    } else {
      return gradient(Forward, f, p2);
    }
  } else {
    if constexpr (is_tape_real<T>) {
      throw Error("saddle: reverse mode inside reverse mode is not supported by Kinase (no tape over Reals)");
    } else {
      return gradient(Reverse, f, p2);
    }
  }
}

/// max_{p2} f(p1, p2) by gradient ascent from `start`, the gradients by `Inner` mode: a T when p1 holds T.
template <AdMode Inner, class T>
T saddle_inner_max(const std::vector<T>& p1, const std::array<double, 2>& start) {
  auto f = [&p1](const std::vector<T>& p2) { return T(saddle_f(p1[0], p1[1], p2[0], p2[1])); };
  auto grad = [&p1](const std::vector<T>& p2) { return saddle_inner_gradient<Inner>(p1, p2); };
  const std::vector<T> p2 = gd_argmax<T>(f, grad, std::vector<T>{T(start[0]), T(start[1])});
  return f(p2);
}

/// The saddle point (r1, r2): the outer search's gradients by `Outer` mode through the inner search, whose gradients
/// are by `Inner` mode; the final argmax over p2 uses `Outer` mode, as GradBench specifies.
template <AdMode Outer, AdMode Inner>
std::vector<double> saddle_solve(const std::array<double, 2>& start) {
  const std::vector<double> s{start[0], start[1]};
  auto cost = [&start](const auto& p1) {
    using T = element_of<decltype(p1)>;
    return saddle_inner_max<Inner>(std::vector<T>(p1.begin(), p1.end()), start);
  };
  auto cost_gradient = [&cost](const std::vector<double>& p1) {
    if constexpr (Outer == AdMode::forward)
      return gradient(Forward, cost, p1);
    else
      return gradient(Reverse, cost, p1);
  };
  const std::vector<double> r1 =
      gd_argmin<double>([&](const std::vector<double>& p1) { return cost(p1); }, cost_gradient, s);
  auto f2 = [&r1](const std::vector<double>& p2) { return saddle_f(r1[0], r1[1], p2[0], p2[1]); };
  auto g2 = [&r1](const std::vector<double>& p2) { return saddle_inner_gradient<Outer>(r1, p2); };
  const std::vector<double> r2 = gd_argmax<double>(f2, g2, s);
  return {r1[0], r1[1], r2[0], r2[1]};
}

inline Module saddle_module() {
  auto read = [](const Field& input) {
    const std::vector<double> v = input.at("start").numbers(2);
    return std::array<double, 2>{v[0], v[1]};
  };
  Module m{"saddle", {}};
  auto add = [&]<AdMode Outer, AdMode Inner>(const char* name) {
    m.functions.emplace_back(name, [read](const Field& input, const Runs& runs) {
      const std::array<double, 2> start = read(input);
      Evaluation e;
      e.output = run_timed(runs, e.timings, [&] { return saddle_solve<Outer, Inner>(start); });
      return e;
    });
  };
  add.operator()<AdMode::forward, AdMode::forward>("ff");
  add.operator()<AdMode::forward, AdMode::reverse>("fr");
  add.operator()<AdMode::reverse, AdMode::forward>("rf");
  // rr needs reverse mode nested in reverse mode (a tape over the tape's Reals), which Kinase does not have; the
  // function is listed so that the eval gets a clear answer instead of "unknown function".
  m.functions.emplace_back("rr", [read](const Field& input, const Runs&) -> Evaluation {
    read(input);
    throw Error(
        "reverse mode nested inside reverse mode is not supported by Kinase (its tape records Reals over "
        "floating-point numbers or Duals, not over Reals); ff, fr and rf are implemented");
  });
  return m;
}

}  // namespace kinase::gradbench
