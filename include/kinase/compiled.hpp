#pragma once
// kinase::compile: the compiled engine's API (design §4). Needs the kinase_compiled library (CMake target
// kinase::compiled).
//
//   auto cf = kinase::compile(f, example_args...);   // traces f once on the examples' shapes
//   double y = cf(args...);                           // runs the compiled primal
//   kinase::gradient(kinase::Reverse, cf, x);         // every helper accepts cf like a plain function:
//   kinase::autodiff(mode, cf, ...), jacobian, hvp, hessian
//   cf.stats();                                       // what compiling cost
//
// Arguments are numbers or containers of doubles (std::vector, std::array, std::span, Eigen vectors with
// <kinase/eigen.hpp>); their sizes are fixed by the examples. Inside f, write loops that should stay loops with
// kinase::for_range, and data-dependent choices with kinase::select / kinase::cond. A plain `if` on a traced value
// is decided when tracing and guarded: a call that would go the other way re-traces (or throws with
// CompileOptions::strict).
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "kinase/ir/compiled_core.hpp"
#include "kinase/ir/tracer.hpp"
#include "kinase/kinase.hpp"

namespace kinase {

template <class F, class... A>
class Compiled;

template <class F>
concept CompiledFunction = requires {
  typename std::remove_cvref_t<F>::kinase_compiled_function;
};

namespace detail {

template <class A>
constexpr void check_compile_argument() {
  if constexpr (!std::is_arithmetic_v<A>) {
    static_assert(Container<A>,
                  "kinase::compile: each example argument must be a number or a container of numbers (std::vector, "
                  "std::array, std::span, or an Eigen vector with <kinase/eigen.hpp>)");
    static_assert(std::is_same_v<std::remove_cvref_t<element_t<A>>, double>,
                  "kinase::compile: a container argument must hold double");
  }
}

template <class A>
ir::ArgShape shape_of(const A& a) {
  if constexpr (std::is_arithmetic_v<A>)
    return {true, 1};
  else
    return {false, container_size(a)};
}

/// The numbers of an argument: a container's own, or a copy of a number in `scratch`.
template <class A>
const double* numbers_of(const A& a, double& scratch) {
  if constexpr (std::is_arithmetic_v<A>) {
    scratch = static_cast<double>(a);
    return &scratch;
  } else {
    return container_size(a) ? &element_at(a, 0) : &scratch;
  }
}

/// What the user's function receives while it is traced.
template <class A>
using traced_arg_t = std::conditional_t<std::is_arithmetic_v<A>, ir::Traced, ir::Array>;

template <class A>
traced_arg_t<A> make_traced_arg(std::uint32_t k, const ir::ArgShape& s) {
  ir::Builder& b = ir::current_builder();
  if constexpr (std::is_arithmetic_v<A>)
    return ir::Traced::from_id(b.load(k, b.index_constant(0)));
  else
    return ir::Array(k, s.size, "arg" + std::to_string(k));
}

template <class R>
void store_result(ir::Builder& b, const R& r, bool& scalar) {
  ir::Function& fn = b.function();
  if constexpr (std::is_same_v<R, ir::Traced> || std::is_arithmetic_v<R>) {
    fn.outputs = {{"result", 1}};
    b.store(0, b.index_constant(0), ir::Traced(r).id());
    scalar = true;
  } else {
    static_assert(
        requires {
          r.size();
          r[std::size_t{0}];
        },
        "kinase::compile: the function must return a number, or a container of numbers with size() and "
        "operator[] (std::vector, std::array)");
    fn.outputs = {{"result", static_cast<std::size_t>(r.size())}};
    for (std::size_t i = 0; i < static_cast<std::size_t>(r.size()); ++i)
      b.store(0, b.index_constant(static_cast<std::int64_t>(i)), ir::Traced(r[i]).id());
    scalar = false;
  }
}

template <class F, class... A>
using traced_result_t = std::remove_cvref_t<std::invoke_result_t<F&, const traced_arg_t<A>&...>>;

}  // namespace detail

/// A function compiled by kinase::compile. Copies share the compiled code.
template <class F, class... A>
class Compiled {
 public:
  using kinase_compiled_function = void;
  static constexpr bool scalar_result = std::is_same_v<detail::traced_result_t<F, A...>, ir::Traced> ||
                                        std::is_arithmetic_v<detail::traced_result_t<F, A...>>;
  using result_type = std::conditional_t<scalar_result, double, std::vector<double>>;

  Compiled(CompileOptions options, F f, const A&... examples) {
    (detail::check_compile_argument<A>(), ...);
    std::vector<ir::ArgShape> shapes{detail::shape_of(examples)...};
    auto tracer = [f = std::move(f), shapes](const std::vector<std::span<const double>>& ex) mutable {
      ir::TraceResult out;
      out.function.name = "f";
      for (std::size_t k = 0; k < shapes.size(); ++k)
        out.function.inputs.push_back({"arg" + std::to_string(k), shapes[k].size});
      ir::Builder b(out.function, true, ex);
      ir::TraceScope scope(b);
      auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::tuple<detail::traced_arg_t<A>...>{
            detail::make_traced_arg<A>(static_cast<std::uint32_t>(I), shapes[I])...};
      }
      (std::index_sequence_for<A...>{});
      const auto r = std::apply([&](const auto&... a) { return f(a...); }, args);
      detail::store_result(b, r, out.scalar_result);
      return out;
    };
    std::array<double, sizeof...(A) + 1> scratch{};
    std::vector<std::span<const double>> ex;
    std::size_t k = 0;
    ((ex.emplace_back(detail::numbers_of(examples, scratch[k]), shapes[k].size), ++k), ...);
    core_ = std::make_shared<ir::CompiledCore>(std::move(tracer), shapes, ex, std::move(options));
  }

  /// Runs the compiled function (re-tracing first if a guard says the trace does not fit these arguments).
  template <class... B>
  result_type operator()(const B&... args) const {
    static_assert(sizeof...(B) == sizeof...(A),
                  "kinase::compile: call the compiled function with as many "
                  "arguments as the examples it was compiled with");
    std::array<double, sizeof...(A) + 1> scratch{};
    std::vector<const double*> in = inputs(scratch, args...);
    result_type r{};
    double* out = nullptr;
    if constexpr (scalar_result) {
      out = &r;
    } else {
      r.resize(core_->result_size());
      out = r.data();
    }
    core_->run(ir::ProgramKey{}, in, std::span<double* const>(&out, 1));
    return r;
  }

  /// The arrays of the arguments, checked against the compiled shapes (numbers are copied into `scratch`).
  template <class... B>
  std::vector<const double*> inputs(std::array<double, sizeof...(A) + 1>& scratch, const B&... args) const {
    std::vector<const double*> in;
    std::size_t k = 0;
    (
        [&](const auto& a) {
          using T = std::remove_cvref_t<decltype(a)>;
          const ir::ArgShape s = detail::shape_of(a);
          if (s.scalar != core_->shapes()[k].scalar || s.size != core_->shapes()[k].size)
            throw Error("kinase::compile: argument " + std::to_string(k) + " has " + std::to_string(s.size) +
                        (s.scalar ? " number" : " elements") + "; the function was compiled for " +
                        std::to_string(core_->shapes()[k].size) +
                        (core_->shapes()[k].scalar ? " number" : " elements") + " (compile it again for another size)");
          if constexpr (std::is_arithmetic_v<T>) {
            scratch[k] = static_cast<double>(a);
            in.push_back(&scratch[k]);
          } else {
            in.push_back(s.size ? &detail::element_at(a, 0) : nullptr);
          }
          ++k;
        }(args),
        ...);
    return in;
  }

  ir::CompiledCore& core() const { return *core_; }
  CompileStats stats() const { return core_->stats(); }
  /// The IR of the primal, and of the gradient (vjp with every argument active), as text.
  std::string ir() const { return core_->ir(ir::ProgramKey{}); }
  std::string gradient_ir() const { return core_->ir(gradient_key()); }
  /// The same as C++ source (see ir::emit_cpp).
  std::string cpp() const { return core_->cpp(ir::ProgramKey{}); }
  std::string gradient_cpp() const { return core_->cpp(gradient_key()); }

  /// The program kinase::gradient(Reverse, cf, x) runs: the vjp with every argument active, without the primal.
  ir::ProgramKey gradient_key() const {
    ir::ProgramKey key = all_active(ir::ProgramKey::Vjp);
    key.with_primal = false;
    return key;
  }
  ir::ProgramKey all_active(ir::ProgramKey::Kind kind, int lanes = 1) const {
    return ir::ProgramKey{kind, std::vector<char>(sizeof...(A), 1), lanes};
  }

 private:
  std::shared_ptr<ir::CompiledCore> core_;
};

/// Traces f on the example arguments and compiles it (see the file comment).
template <class F, class... A>
requires(!std::is_same_v<std::remove_cvref_t<F>, CompileOptions>) auto compile(F f, const A&... examples) {
  return Compiled<F, A...>(CompileOptions{}, std::move(f), examples...);
}
/// As above, with options (strict guards, the backend, how many traces to keep).
template <class F, class... A>
auto compile(const CompileOptions& options, F f, const A&... examples) {
  return Compiled<F, A...>(options, std::move(f), examples...);
}

}  // namespace kinase

#include "kinase/ir/compiled_api.hpp"
