#pragma once
// The helpers of kinase's API for compiled functions: each overload has the head of the plain one plus the
// constraint CompiledFunction, so that it is chosen exactly when the function is a kinase::Compiled. They run the
// compiled programs: gradient and reverse Jacobians through vjp, forward ones through jvp with lanes, hvp and
// hessian through jvp of vjp.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "kinase/compiled.hpp"

namespace kinase {
namespace detail {

template <class F>
using compiled_t = std::remove_cvref_t<F>;

template <class F, class X>
void check_compiled_container(const F& f, const X& x, const char* function) {
  static_assert(std::is_same_v<std::remove_cvref_t<element_t<X>>, double>,
                "kinase: a compiled function's container arguments hold double");
  const auto& shapes = f.core().shapes();
  if (shapes.size() != 1 || shapes[0].scalar)
    throw Error(std::string("kinase::") + function + ": the compiled function takes " + std::to_string(shapes.size()) +
                " argument(s)" + (shapes.size() == 1 ? " (a number)" : "") + "; " + function +
                " differentiates a function of one container (use kinase::autodiff for other signatures)");
  if (detail::container_size(x) != shapes[0].size)
    throw Error(std::string("kinase::") + function + ": x has " + std::to_string(detail::container_size(x)) +
                " elements; the function was compiled for " + std::to_string(shapes[0].size) +
                " (compile it again for another size)");
}

/// A pointer to a container's numbers, or to `dummy` when it is empty.
template <class C>
auto* numbers(C& c, double& dummy) {
  return detail::container_size(c) ? &detail::element_at(c, 0) : &dummy;
}

/// What a helper returns in `Mode`: the derivative, or {primal, derivative} in a *WithPrimal mode.
template <class Mode, class P, class D>
auto with_primal_if(P&& primal, D&& derivative) {
  if constexpr (std::remove_cvref_t<Mode>::with_primal)
    return PrimalAndDerivative<std::remove_cvref_t<P>, std::remove_cvref_t<D>>{std::forward<P>(primal),
                                                                               std::forward<D>(derivative)};
  else
    return std::remove_cvref_t<D>(std::forward<D>(derivative));
}

/// Forward mode over a compiled function of one container: `lanes` directions per run, the unit vectors from
/// `start`; read(j, lane outputs) receives the result's tangent along e_j.
template <class F, class X, class Read>
void compiled_sweep(F& f, const X& x, std::size_t lanes, Read&& read) {
  const std::size_t n = detail::container_size(x), m = f.core().result_size();
  const ir::ProgramKey key = f.all_active(ir::ProgramKey::Jvp, static_cast<int>(lanes));
  std::vector<std::vector<double>> seeds(lanes, std::vector<double>(n, 0.0));
  std::vector<std::vector<double>> tangents(lanes, std::vector<double>(m, 0.0));
  std::vector<double> result(m);
  double dummy = 0;
  std::vector<const double*> in{numbers(x, dummy)};
  for (auto& s : seeds) in.push_back(s.empty() ? &dummy : s.data());
  std::vector<double*> out{result.empty() ? &dummy : result.data()};
  for (auto& t : tangents) out.push_back(t.empty() ? &dummy : t.data());
  std::size_t start = 0;
  do {
    for (std::size_t l = 0; l < lanes; ++l) {
      std::fill(seeds[l].begin(), seeds[l].end(), 0.0);
      if (start + l < n) seeds[l][start + l] = 1;
    }
    f.core().run(key, in, out);
    for (std::size_t l = 0; l < lanes && start + l < n; ++l) read(start + l, result, tangents[l]);
    start += lanes;
  } while (start < n);
}

}  // namespace detail

/// The gradient of a compiled scalar function of one container by its vjp program.
template <ReverseModeTag Mode, class F, class X>
requires CompiledFunction<F>
auto gradient(Mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  static_assert(detail::compiled_t<F>::scalar_result,
                "kinase::gradient: the compiled function must return a scalar; use kinase::jacobian for a vector one");
  detail::check_compiled_container(f, x, "gradient");
  auto grad = container_traits<X>::template make_like<double>(x);
  double primal = 0, one = 1, dummy = 0;
  const double* in[] = {detail::numbers(x, dummy), &one};
  double* out[] = {&primal, detail::numbers(grad, dummy)};
  ir::ProgramKey key = f.all_active(ir::ProgramKey::Vjp);
  key.with_primal = std::remove_cvref_t<Mode>::with_primal;
  f.core().run(key, in, out);
  return detail::with_primal_if<Mode>(primal, std::move(grad));
}

/// The gradient of a compiled scalar function by forward mode: its jvp program with K lanes, ⌈n/K⌉ runs.
template <ForwardModeTag Mode, class F, class X, std::size_t K>
requires CompiledFunction<F>
auto gradient(Mode, F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  static_assert(detail::compiled_t<F>::scalar_result,
                "kinase::gradient: the compiled function must return a scalar; use kinase::jacobian for a vector one");
  detail::check_compiled_container(f, x, "gradient");
  auto grad = container_traits<X>::template make_like<double>(x);
  double primal = 0;
  detail::compiled_sweep(f, x, K, [&](std::size_t j, const std::vector<double>& r, const std::vector<double>& t) {
    primal = r[0];
    detail::element_at(grad, j) = t[0];
  });
  return detail::with_primal_if<Mode>(primal, std::move(grad));
}
template <ForwardModeTag Mode, class F, class X>
requires CompiledFunction<F>
auto gradient(Mode mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x),
                                 [&]<std::size_t K>() { return gradient(mode, f, x, Chunk<K>{}); });
}

/// The Jacobian of a compiled function of one container, row by row through its vjp program.
template <ReverseModeTag Mode, class F, class X, class... Options>
requires CompiledFunction<F>
auto jacobian(Mode, F&& f, const X& x, Options...) {
  detail::check_sweep_input<X>();
  detail::check_compiled_container(f, x, "jacobian");
  const std::size_t n = detail::container_size(x), m = f.core().result_size();
  Matrix<double> J(m, n);
  std::vector<double> result(m), seed(m, 0.0), row(n);
  double dummy = 0;
  const double* in[] = {detail::numbers(x, dummy), seed.empty() ? &dummy : seed.data()};
  double* out[] = {result.empty() ? &dummy : result.data(), row.empty() ? &dummy : row.data()};
  ir::ProgramKey key = f.all_active(ir::ProgramKey::Vjp);
  key.with_primal = std::remove_cvref_t<Mode>::with_primal;
  for (std::size_t i = 0; i < m; ++i) {
    std::fill(seed.begin(), seed.end(), 0.0);
    seed[i] = 1;
    f.core().run(key, in, out);
    for (std::size_t j = 0; j < n; ++j) J(i, j) = row[j];
  }
  return detail::with_primal_if<Mode>(std::move(result), std::move(J));
}

/// The Jacobian of a compiled function of one container, K columns per run of its jvp program.
template <ForwardModeTag Mode, class F, class X, std::size_t K>
requires CompiledFunction<F>
auto jacobian(Mode, F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  detail::check_compiled_container(f, x, "jacobian");
  const std::size_t n = detail::container_size(x), m = f.core().result_size();
  Matrix<double> J(m, n);
  std::vector<double> primal;
  detail::compiled_sweep(f, x, K, [&](std::size_t j, const std::vector<double>& r, const std::vector<double>& t) {
    primal = r;
    for (std::size_t i = 0; i < m; ++i) J(i, j) = t[i];
  });
  return detail::with_primal_if<Mode>(std::move(primal), std::move(J));
}
template <ForwardModeTag Mode, class F, class X>
requires CompiledFunction<F>
auto jacobian(Mode mode, F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x),
                                 [&]<std::size_t K>() { return jacobian(mode, f, x, Chunk<K>{}); });
}

/// H·v for a compiled scalar function of one container: its jvp-of-vjp program, one run.
template <class F, class X, class V>
requires CompiledFunction<F>
auto hvp(F&& f, const X& x, const V& v) {
  detail::check_sweep_input<X>();
  detail::check_same_size(x, v, "hvp", "v");
  static_assert(detail::compiled_t<F>::scalar_result, "kinase::hvp: the compiled function must return a scalar");
  detail::check_compiled_container(f, x, "hvp");
  const std::size_t n = detail::container_size(x);
  auto res = container_traits<X>::template make_like<double>(x);
  std::vector<double> dir(n), grad(n);
  for (std::size_t i = 0; i < n; ++i) dir[i] = static_cast<double>(detail::element_at(v, i));
  double primal = 0, one = 1, dprimal = 0, dummy = 0;
  const double* in[] = {detail::numbers(x, dummy), &one, n ? dir.data() : &dummy};
  double* out[] = {&primal, n ? grad.data() : &dummy, &dprimal, detail::numbers(res, dummy)};
  f.core().run(f.all_active(ir::ProgramKey::Hvp, 1), in, out);
  return res;
}

/// The dense Hessian of a compiled scalar function of one container: K columns per run of its jvp-of-vjp program;
/// exactly symmetric (the mean of the two halves).
template <class F, class X, std::size_t K>
requires CompiledFunction<F>
auto hessian(F&& f, const X& x, Chunk<K>) {
  detail::check_sweep_input<X>();
  static_assert(detail::compiled_t<F>::scalar_result, "kinase::hessian: the compiled function must return a scalar");
  detail::check_compiled_container(f, x, "hessian");
  const std::size_t n = detail::container_size(x);
  Matrix<double> h(n, n);
  std::vector<std::vector<double>> seeds(K, std::vector<double>(n)), cols(K, std::vector<double>(n));
  std::vector<double> grad(n), dprimal(K);
  double primal = 0, one = 1, dummy = 0;
  std::vector<const double*> in{detail::numbers(x, dummy), &one};
  for (auto& s : seeds) in.push_back(n ? s.data() : &dummy);
  std::vector<double*> out{&primal, n ? grad.data() : &dummy};
  for (std::size_t l = 0; l < K; ++l) out.push_back(&dprimal[l]);
  for (auto& c : cols) out.push_back(n ? c.data() : &dummy);
  for (std::size_t start = 0; start < n; start += K) {
    for (std::size_t l = 0; l < K; ++l) {
      std::fill(seeds[l].begin(), seeds[l].end(), 0.0);
      if (start + l < n) seeds[l][start + l] = 1;
    }
    f.core().run(f.all_active(ir::ProgramKey::Hvp, static_cast<int>(K)), in, out);
    for (std::size_t l = 0; l < K && start + l < n; ++l)
      for (std::size_t i = 0; i < n; ++i) h(i, start + l) = cols[l][i];
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) h(i, j) = h(j, i) = (h(i, j) + h(j, i)) / 2;
  return h;
}
template <class F, class X>
requires CompiledFunction<F>
auto hessian(F&& f, const X& x) {
  detail::check_sweep_input<X>();
  return detail::with_auto_chunk(detail::container_size(x), [&]<std::size_t K>() { return hessian(f, x, Chunk<K>{}); });
}

namespace detail {

/// One argument of autodiff on a compiled function: its numbers, whether it is active, and its shadows.
template <class A>
struct CompiledArgument {
  using Arg = std::remove_cvref_t<A>;
  using Info = activity_info<Arg>;
  static constexpr bool active = Info::active;
  static constexpr std::size_t lanes = Info::lanes;
  A& arg;
  double scratch = 0;

  const double* value() {
    if constexpr (requires { arg.value; }) {
      const auto& v = arg.value;
      if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(v)>>) {
        scratch = static_cast<double>(v);
        return &scratch;
      } else {
        return detail::container_size(v) ? &detail::element_at(v, 0) : &scratch;
      }
    } else {
      return &scratch;
    }
  }
  bool scalar() const {
    if constexpr (requires { arg.value; })
      return std::is_arithmetic_v<std::remove_cvref_t<decltype(arg.value)>>;
    else
      return true;
  }
  std::size_t size() const {
    if constexpr (requires { arg.value; }) {
      if constexpr (!std::is_arithmetic_v<std::remove_cvref_t<decltype(arg.value)>>)
        return detail::container_size(arg.value);
    }
    return 1;
  }
};

template <class Arg>
constexpr void check_compiled_reverse_argument() {
  using Info = activity_info<Arg>;
  static_assert(Info::is_activity && !Info::is_return,
                "kinase::autodiff: each argument is wrapped in an activity: Active(x), Duplicated(x, dx) or Const(x)");
  static_assert(!Info::batch && !Info::no_need,
                "kinase::autodiff (Reverse) on a compiled function: the arguments are Active, Duplicated or Const");
}

}  // namespace detail

/// Reverse-mode autodiff of a compiled function: Active scalars' derivatives are returned, Duplicated shadows
/// receive theirs (added to what they held), as for a plain function.
template <ReverseModeTag Mode, class F, class Ret, class... Args>
requires CompiledFunction<F>
auto autodiff(Mode, F&& f, Ret, Args&&... args) {
  using R = std::remove_cvref_t<Ret>;
  static_assert(std::is_same_v<R, Active<void>> || std::is_same_v<R, Const<void>>,
                "kinase::autodiff: in reverse mode the return activity is Active{} (its adjoint is seeded with 1) or "
                "Const{}");
  (detail::check_compiled_reverse_argument<std::remove_cvref_t<Args>>(), ...);
  static_assert(detail::compiled_t<F>::scalar_result,
                "kinase::autodiff: an Active return needs a scalar result; use kinase::jacobian for a vector one");
  if (sizeof...(Args) != f.core().shapes().size())
    throw Error("kinase::autodiff: " + std::to_string(sizeof...(Args)) + " arguments for a function compiled with " +
                std::to_string(f.core().shapes().size()));
  std::tuple<detail::CompiledArgument<std::remove_reference_t<Args>>...> prepared{{args}...};
  std::vector<const double*> in;
  std::vector<char> active;
  std::apply([&](auto&... a) { ((in.push_back(a.value()), active.push_back(a.active ? 1 : 0)), ...); }, prepared);
  double seed = std::is_same_v<R, Active<void>> ? 1.0 : 0.0;
  in.push_back(&seed);
  double primal = 0;
  std::vector<double*> out{&primal};
  std::vector<std::vector<double>> adjoints;
  std::size_t k = 0;
  std::apply(
      [&](auto&... a) {
        (
            [&](auto& arg) {
              const std::size_t size = f.core().shapes()[k].size;
              if (arg.scalar() != f.core().shapes()[k].scalar || arg.size() != size)
                throw Error("kinase::autodiff: argument " + std::to_string(k) +
                            " does not have the shape the function was compiled for");
              if (arg.active) adjoints.emplace_back(size, 0.0);
              ++k;
            }(a),
            ...);
      },
      prepared);
  for (auto& a : adjoints) out.push_back(a.data());
  f.core().run(ir::ProgramKey{ir::ProgramKey::Vjp, active, 1, std::remove_cvref_t<Mode>::with_primal}, in, out);

  constexpr std::size_t K = (std::size_t(detail::is_active_activity<std::remove_cvref_t<Args>>) + ... + 0);
  std::array<double, K> derivatives{};
  std::size_t next = 0, d = 0;
  std::apply(
      [&](auto&... a) {
        (
            [&](auto& arg) {
              using Arg = std::remove_cvref_t<decltype(arg.arg)>;
              if constexpr (detail::is_active_activity<Arg>) {
                derivatives[d++] = adjoints[next++][0];
              } else if constexpr (detail::activity_info<Arg>::active) {  // Duplicated: add into the shadow
                auto& shadow = arg.arg.shadow;
                for (std::size_t i = 0; i < adjoints[next].size(); ++i)
                  detail::element_at(shadow, i) += adjoints[next][i];
                ++next;
              }
            }(a),
            ...);
      },
      prepared);
  if constexpr (std::remove_cvref_t<Mode>::with_primal)
    return DerivativesAndPrimal<std::array<double, K>, double>{derivatives, primal};
  else
    return DerivativesOf<std::array<double, K>>{derivatives};
}

/// Forward-mode autodiff of a compiled function: Duplicated / BatchDuplicated arguments' shadows are the tangent
/// directions (all batched arguments have the same number of lanes); Const arguments carry none.
template <ForwardModeTag Mode, class F, class Ret, class... Args>
requires CompiledFunction<F>
auto autodiff(Mode, F&& f, Ret, Args&&... args) {
  using R = std::remove_cvref_t<Ret>;
  using RetInfo = detail::activity_info<R>;
  static_assert(RetInfo::is_activity && RetInfo::is_return && !detail::is_active_activity<R>,
                "kinase::autodiff (Forward): the return activity is Duplicated{}, DuplicatedNoNeed{}, "
                "BatchDuplicated{}, BatchDuplicatedNoNeed{} or Const{}");
  constexpr std::size_t N = std::max({std::size_t(1), detail::activity_info<std::remove_cvref_t<Args>>::lanes...});
  static_assert(((!detail::activity_info<std::remove_cvref_t<Args>>::active ||
                  detail::activity_info<std::remove_cvref_t<Args>>::lanes == N) &&
                 ...),
                "kinase::autodiff (Forward): every Duplicated argument has the same number of lanes");
  static_assert(((detail::activity_info<std::remove_cvref_t<Args>>::is_activity &&
                  !detail::activity_info<std::remove_cvref_t<Args>>::is_return) &&
                 ...),
                "kinase::autodiff (Forward): each argument is wrapped in an activity: Duplicated(x, dx), "
                "BatchDuplicated(x, {dx...}) or Const(x)");
  static_assert((!detail::is_active_activity<std::remove_cvref_t<Args>> && ...),
                "kinase::autodiff (Forward): Active is for reverse mode; use Duplicated(x, dx)");
  if (sizeof...(Args) != f.core().shapes().size())
    throw Error("kinase::autodiff: " + std::to_string(sizeof...(Args)) + " arguments for a function compiled with " +
                std::to_string(f.core().shapes().size()));
  using Result = typename detail::compiled_t<F>::result_type;
  const std::size_t m = f.core().result_size();
  std::tuple<detail::CompiledArgument<std::remove_reference_t<Args>>...> prepared{{args}...};
  std::vector<const double*> in;
  std::vector<char> active;
  std::apply([&](auto&... a) { ((in.push_back(a.value()), active.push_back(a.active ? 1 : 0)), ...); }, prepared);
  std::vector<double> scalar_shadows;  // numbers' shadows, copied
  scalar_shadows.reserve(sizeof...(Args) * N);
  std::apply(
      [&](auto&... a) {
        (
            [&](auto& arg) {
              using Arg = std::remove_cvref_t<decltype(arg.arg)>;
              if constexpr (detail::activity_info<Arg>::active) {
                auto push = [&](const auto& s) {
                  if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(s)>>) {
                    scalar_shadows.push_back(static_cast<double>(s));
                    in.push_back(&scalar_shadows.back());
                  } else {
                    in.push_back(detail::container_size(s) ? &detail::element_at(s, 0) : nullptr);
                  }
                };
                if constexpr (detail::activity_info<Arg>::batch) {
                  for (const auto& s : arg.arg.shadows) {
                    if constexpr (requires { s.get(); })
                      push(s.get());
                    else
                      push(s);
                  }
                } else {
                  push(arg.arg.shadow);
                }
              }
            }(a),
            ...);
      },
      prepared);
  std::vector<double> primal(m);
  std::vector<std::vector<double>> tangents(N, std::vector<double>(m));
  std::vector<double*> out{primal.data()};
  for (auto& t : tangents) out.push_back(t.data());
  f.core().run(ir::ProgramKey{ir::ProgramKey::Jvp, active, static_cast<int>(N)}, in, out);
  auto as_result = [&](const std::vector<double>& v) {
    if constexpr (std::is_same_v<Result, double>)
      return v[0];
    else
      return v;
  };
  constexpr bool with_primal = std::remove_cvref_t<Mode>::with_primal;
  if constexpr (std::is_same_v<R, Const<void>>) {
    if constexpr (with_primal)
      return PrimalOnly<Result>{as_result(primal)};
    else
      return NoResult{};
  } else if constexpr (!RetInfo::batch) {
    if constexpr (RetInfo::no_need && !with_primal)
      return DerivativeOnly<Result>{as_result(tangents[0])};
    else
      return PrimalAndDerivative<Result, Result>{as_result(primal), as_result(tangents[0])};
  } else {
    std::array<Result, N> derivatives;
    for (std::size_t l = 0; l < N; ++l) derivatives[l] = as_result(tangents[l]);
    if constexpr (RetInfo::no_need && !with_primal)
      return DerivativesOnly<Result, N>{derivatives};
    else
      return PrimalAndDerivatives<Result, Result, N>{as_result(primal), derivatives};
  }
}

}  // namespace kinase
