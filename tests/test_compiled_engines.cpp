// The compiled engine (kinase::compile) against the plain engines, on every backend of this build (the interpreter
// always, LLVM when Kinase has it):
//   - the op matrix: every op of ops/all.hpp traced alone, at points of its domain: the compiled primal equals the
//     op on double; the gradients by the vjp and jvp programs equal the tape's (and finite differences, loosely);
//     the dot-product test ⟨ȳ, J·ṫ⟩ = ⟨Jᵀ·ȳ, ṫ⟩ for a vector-valued function; the Hessian and H·v of the
//     jvp-of-vjp program equal forward-over-reverse on the tape;
//   - the strong-zero rule (docs/ops.md): the smallest programs where a zero tangent or adjoint meets an infinite
//     or nan partial, and where a zero adjoint has a nonzero tangent (forward over reverse);
//   - a property test: random programs (a generic interpreter of a small program description) run on double, the
//     tape, Dual and the compiled engine, which must agree on the primal, the gradient and H·v. Each program comes
//     from one seed, printed with the program when a check fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <kinase/compiled.hpp>
#include <kinase/kinase.hpp>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "op_testing.hpp"

namespace {

namespace ir = kinase::ir;
using kinase::testing::close;
using kinase::testing::reference_derivative;
using kinase::testing::sample;

// --- backends and comparisons -----------------------------------------------------------------------------------

struct NamedBackend {
  std::string name;
  std::shared_ptr<const ir::Backend> backend;
};

const NamedBackend& interpreter() {
  static const NamedBackend b{"interpreter", ir::interpreter_backend()};
  return b;
}

/// LLVM's backend, or nullptr when this build has none.
const NamedBackend* llvm() {
  static const NamedBackend b = ir::has_llvm() ? NamedBackend{"llvm", ir::llvm_backend()} : NamedBackend{};
  return b.backend ? &b : nullptr;
}

/// Every backend of this build.
std::vector<const NamedBackend*> backends() {
  std::vector<const NamedBackend*> list{&interpreter()};
  if (llvm()) list.push_back(llvm());
  return list;
}

kinase::CompileOptions options_for(const NamedBackend& b) {
  kinase::CompileOptions o;
  o.backend = b.backend;
  o.strict = true;  // the functions here have no branch on a traced value: a re-trace would be a bug
  return o;
}

std::string num(double x) {
  std::ostringstream s;
  s << std::setprecision(17) << x;
  return s.str();
}

std::string vec(const std::vector<double>& x) {
  std::string s = "(";
  for (std::size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + num(x[i]);
  return s + ")";
}

/// How many doubles lie between a and b (0 when equal, ±0 and equal infinities included; nan matches only nan).
std::uint64_t ulps_apart(double a, double b) {
  if (a == b || (std::isnan(a) && std::isnan(b))) return 0;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<std::uint64_t>::max();
  auto key = [](double d) {  // monotone in d
    const auto i = std::bit_cast<std::int64_t>(d);
    return i < 0 ? std::numeric_limits<std::int64_t>::min() - i : i;
  };
  const std::int64_t ka = key(a), kb = key(b);
  return ka > kb ? static_cast<std::uint64_t>(ka) - static_cast<std::uint64_t>(kb)
                 : static_cast<std::uint64_t>(kb) - static_cast<std::uint64_t>(ka);
}

/// The compiled primal equals the plain one: the backends call the same libm, so within an ulp or two.
::testing::AssertionResult same_primal(double compiled, double plain, const std::string& what) {
  const std::uint64_t d = ulps_apart(compiled, plain);
  if (d <= 2) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": compiled " << num(compiled) << ", plain " << num(plain) << " ("
                                       << d << " ulps apart)";
}

/// Two vectors agree entrywise within rel·|expected| + abs (equal nan and infinities agree).
template <class A, class B>
::testing::AssertionResult all_close(const A& actual, const B& expected, long double rel, long double abs,
                                     const std::string& what) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << what << ": " << actual.size() << " entries, expected " << expected.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    auto r = close(actual[i], expected[i], rel, abs, what + "[" + std::to_string(i) + "]");
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double e : v)
    if (std::isfinite(e)) m = std::max(m, std::fabs(e));
  return m;
}

std::vector<double> to_vector(const kinase::Matrix<double>& m) { return {m.data(), m.data() + m.rows() * m.cols()}; }

/// Jᵀ·ȳ of a compiled function of one container, by its vjp program seeded with ȳ (the API's vjp records a tape).
template <class CF>
std::vector<double> compiled_vjp(const CF& cf, const std::vector<double>& x, const std::vector<double>& ybar) {
  std::vector<double> result(cf.core().result_size()), xbar(x.size());
  const double* in[] = {x.data(), ybar.data()};
  double* out[] = {result.data(), xbar.data()};
  cf.core().run(cf.all_active(ir::ProgramKey::Vjp), in, out);
  return xbar;
}

// --- the op matrix ----------------------------------------------------------------------------------------------
// One function type for every op (the op is chosen at run time by its IR number), so that the API's templates are
// instantiated once rather than once per op: this file would otherwise take minutes to compile.

/// Op(x[0][, x[1]][, param]) on any scalar type: the op's primal on numbers, its public dispatch on active ones.
template <class Op, class V>
auto op_of(const V& x, [[maybe_unused]] int param) {
  using T = std::remove_cvref_t<decltype(x[0])>;
  if constexpr (std::is_arithmetic_v<T>) {
    if constexpr (ir::has_int_param_v<Op>)
      return T(Op::primal(x[0], param));
    else if constexpr (Op::arity == 1)
      return T(Op::primal(x[0]));
    else
      return T(Op::primal(x[0], x[1]));
  } else {
    if constexpr (ir::has_int_param_v<Op>)
      return T(kinase::apply<Op>(x[0], param));
    else if constexpr (Op::arity == 1)
      return T(kinase::apply<Op>(x[0]));
    else
      return T(kinase::apply<Op>(x[0], x[1]));
  }
}

/// What the op matrix needs to know of an op.
struct OpInfo {
  std::uint16_t index;  // in the IR (ir::op_index_v)
  std::string name;
  std::size_t arity;
  std::array<kinase::ops::Domain, 2> domain;
  bool parameterised;
};

template <class... Op>
std::vector<OpInfo> infos(kinase::ops::OpList<Op...>) {
  return {OpInfo{static_cast<std::uint16_t>(ir::op_index_v<Op>),
                 std::string(Op::name),
                 Op::arity,
                 {Op::domain[0], Op::domain[Op::arity - 1]},
                 ir::has_int_param_v<Op>}...};
}

/// f(x) = op(x[0][, x[1]][, param]) for the op numbered `index`.
struct OpFunction {
  std::uint16_t index;
  int param;
  template <class V>
  auto operator()(const V& x) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    T r{};
    ir::visit_op(index, [&]<class Op>(std::type_identity<Op>) { r = op_of<Op>(x, param); });
    return r;
  }
};

/// The op in a vector-valued function (for the dot-product test and Jacobians).
struct OpInVector {
  OpFunction op;
  std::size_t last;  // arity − 1
  template <class V>
  auto operator()(const V& x) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    using std::sin;
    const T r = op(x);
    return std::vector<T>{r, T(r * x[0]), T(sin(x[last]) - r * T(0.5))};
  }
};

void check_compiled_op(const NamedBackend& backend, const OpInfo& op, int param) {
  const std::size_t n = op.arity;
  const int count = n == 1 ? 9 : 4;
  std::vector<std::vector<double>> points;
  for (int a = 0; a < count; ++a)
    for (int b = 0; b < (n == 2 ? count : 1); ++b) {
      std::vector<double> p{sample(op.domain[0].lo, op.domain[0].hi, a, count)};
      if (n == 2) p.push_back(sample(op.domain[1].lo, op.domain[1].hi, b, count, 2.1));
      points.push_back(p);
    }

  const OpFunction f{op.index, param};
  const OpInVector g{f, n - 1};
  // Compiled once (on the first point) and run at every point: the programs are reused.
  const auto cf = kinase::compile(options_for(backend), f, points[0]);
  const auto cg = kinase::compile(options_for(backend), g, points[0]);
  const std::vector<double> ybar{0.7, -1.3, 0.4}, tdot{0.3, -1.1}, dir{-0.6, 1.7};
  const std::string label = op.name + (op.parameterised ? "(n=" + std::to_string(param) + ")" : std::string());

  for (const auto& x : points) {
    const std::string where = label + " on " + backend.name + " at " + vec(x);
    // (a) the primal.
    EXPECT_TRUE(same_primal(cf(x), f(x), where + " primal"));
    // (b) first order: vjp and jvp against the tape, and against finite differences.
    const std::vector<double> tape = kinase::gradient(kinase::Reverse, f, x);
    const std::vector<double> rev = kinase::gradient(kinase::Reverse, cf, x);
    const std::vector<double> fwd = kinase::gradient(kinase::Forward, cf, x);
    EXPECT_TRUE(all_close(rev, tape, 1e-12L, 1e-14L, where + " gradient (vjp) vs tape"));
    EXPECT_TRUE(all_close(fwd, tape, 1e-12L, 1e-14L, where + " gradient (jvp) vs tape"));
    for (std::size_t i = 0; i < n; ++i) {
      const long double fd = reference_derivative(
          [&](long double t) {
            std::array<long double, 2> q{x[0], x[n - 1]};
            q[i] = t;
            return f(q);
          },
          x[i]);
      EXPECT_TRUE(close(rev[i], fd, 1e-7L, 1e-9L, where + " gradient vs finite differences, arg " + std::to_string(i)));
    }
    // (c) the dot-product test on the vector-valued function, and its Jacobians.
    const std::vector<double> tn(tdot.begin(), tdot.begin() + static_cast<std::ptrdiff_t>(n));
    const std::vector<double> jt = kinase::jvp(cg, x, tn);  // the compiled jvp program (through autodiff)
    const std::vector<double> jty = compiled_vjp(cg, x, ybar);
    long double lhs = 0, rhs = 0, scale = 0;
    for (std::size_t i = 0; i < ybar.size(); ++i)
      lhs += (long double)ybar[i] * jt[i], scale += std::fabs(ybar[i] * jt[i]);
    for (std::size_t i = 0; i < n; ++i) rhs += (long double)jty[i] * tn[i], scale += std::fabs(jty[i] * tn[i]);
    EXPECT_TRUE(close(rhs, lhs, 0.0L, 1e-12L * scale + 1e-300L, where + " dot-product test"));
    EXPECT_TRUE(all_close(jt, kinase::jvp(g, x, tn), 1e-12L, 1e-14L, where + " J·t vs Dual"));
    EXPECT_TRUE(all_close(jty, kinase::vjp(g, x, ybar), 1e-12L, 1e-14L, where + " Jᵀ·y vs tape"));
    const auto j_tape = to_vector(kinase::jacobian(kinase::Reverse, g, x));
    EXPECT_TRUE(all_close(to_vector(kinase::jacobian(kinase::Reverse, cg, x)), j_tape, 1e-12L, 1e-14L,
                          where + " Jacobian (vjp) vs tape"));
    EXPECT_TRUE(all_close(to_vector(kinase::jacobian(kinase::Forward, cg, x)), j_tape, 1e-12L, 1e-14L,
                          where + " Jacobian (jvp) vs tape"));
    const auto gx = cg(x), gd = g(x);
    for (std::size_t i = 0; i < gd.size(); ++i)
      EXPECT_TRUE(same_primal(gx[i], gd[i], where + " vector primal " + std::to_string(i)));
    // (d) second order: the jvp-of-vjp program against forward over reverse.
    const auto h_plain = to_vector(kinase::hessian(f, x));
    EXPECT_TRUE(all_close(to_vector(kinase::hessian(cf, x)), h_plain, 1e-10L, 1e-12L, where + " Hessian"));
    const std::vector<double> v(dir.begin(), dir.begin() + static_cast<std::ptrdiff_t>(n));
    const std::vector<double> hv = kinase::hvp(cf, x, v);
    EXPECT_TRUE(all_close(hv, kinase::hvp(f, x, v), 1e-10L, 1e-12L, where + " H·v"));
  }
}

void check_compiled_ops(const NamedBackend& backend, const std::vector<OpInfo>& ops) {
  for (const OpInfo& op : ops) {
    SCOPED_TRACE(op.name + " on " + backend.name);
    check_compiled_op(backend, op, 0);
  }
}

void check_parameterised(const NamedBackend& backend) {
  const std::vector<OpInfo> ops = infos(kinase::ops::parameterised_ops{});
  for (const OpInfo& op : ops) {
    const std::vector<int> params =
        op.name == "pow_int" ? std::vector<int>{-3, -2, -1, 0, 1, 2, 3, 5} : std::vector<int>{0, 1, 2, 3};
    for (int n : params) {
      SCOPED_TRACE(op.name + " n=" + std::to_string(n) + " on " + backend.name);
      check_compiled_op(backend, op, n);
    }
  }
}

TEST(CompiledOpMatrix, EveryDifferentiableOpInterpreter) {
  check_compiled_ops(interpreter(), infos(kinase::ops::differentiable_ops{}));
}
TEST(CompiledOpMatrix, ParameterisedOpsInterpreter) { check_parameterised(interpreter()); }
TEST(CompiledOpMatrix, PiecewiseConstantOpsInterpreter) {
  check_compiled_ops(interpreter(), infos(kinase::ops::piecewise_constant_ops{}));
}

TEST(CompiledOpMatrix, EveryDifferentiableOpLlvm) {
  if (!llvm()) GTEST_SKIP() << "this build of Kinase has no LLVM backend";
  check_compiled_ops(*llvm(), infos(kinase::ops::differentiable_ops{}));
}
TEST(CompiledOpMatrix, ParameterisedOpsLlvm) {
  if (!llvm()) GTEST_SKIP() << "this build of Kinase has no LLVM backend";
  check_parameterised(*llvm());
}
TEST(CompiledOpMatrix, PiecewiseConstantOpsLlvm) {
  if (!llvm()) GTEST_SKIP() << "this build of Kinase has no LLVM backend";
  check_compiled_ops(*llvm(), infos(kinase::ops::piecewise_constant_ops{}));
}

// --- the strong-zero rule ----------------------------------------------------------------------------------------
// The plain engines never let an infinite or nan partial reach a derivative through an exactly zero tangent (Dual:
// docs/forward.md, docs/ops.md) or an exactly zero adjoint (the tape skips the statement: docs/reverse.md). The
// compiled programs must give the same derivatives. The op matrix and the random programs stay away from such
// points; these are the smallest programs that reach them.

/// Compiled vjp and jvp equal the tape's and Dual's gradients exactly (equal infinities and nan agree).
template <class F>
void expect_gradients_as_plain(F f, const std::vector<double>& x, const std::string& what) {
  const std::vector<double> tape = kinase::gradient(kinase::Reverse, f, x);
  const std::vector<double> dual = kinase::gradient(kinase::Forward, f, x);
  for (const NamedBackend* backend : backends()) {
    const auto cf = kinase::compile(options_for(*backend), f, x);
    const std::string where = what + " at " + vec(x) + " on " + backend->name;
    EXPECT_TRUE(all_close(kinase::gradient(kinase::Reverse, cf, x), tape, 0, 0, where + ": compiled vjp vs tape"));
    EXPECT_TRUE(all_close(kinase::gradient(kinase::Forward, cf, x), dual, 0, 0, where + ": compiled jvp vs Dual"));
  }
}

TEST(CompiledStrongZero, LaneWithZeroTangentThroughInfinitePartial) {
  // docs/ops.md's own example: pow(x, y) at (0, 0.5) along y alone is 0, not ∂pow/∂x · 0 = inf · 0. The tape and
  // Dual give (inf, 0).
  expect_gradients_as_plain(
      [](const auto& x) {
        using T = std::remove_cvref_t<decltype(x[0])>;
        using std::pow;
        return T(pow(x[0], x[1]));
      },
      {0.0, 0.5}, "pow(x0, x1)");
  // The same through a product whose tangent is exactly 0 in the x1 lane: Dual gives (inf, 0); the tape gives
  // (inf, nan), as the adjoint of x0·x1 is inf and x1's partial is x0 = 0.
  expect_gradients_as_plain(
      [](const auto& x) {
        using T = std::remove_cvref_t<decltype(x[0])>;
        using std::sqrt;
        return T(sqrt(x[0] * x[1]));
      },
      {0.0, 1.0}, "sqrt(x0·x1)");
}

TEST(CompiledStrongZero, ZeroAdjointOfAnUnselectedBranch) {
  // select(x1 > 0, x1, sqrt(x0)) at (0, 1): the branch sqrt(x0) is not taken, its adjoint is 0, and sqrt'(0) = inf
  // must not turn it into nan. The tape and Dual give (0, 1).
  expect_gradients_as_plain(
      [](const auto& x) {
        using T = std::remove_cvref_t<decltype(x[0])>;
        using std::sqrt;
        const T s = T(sqrt(x[0]));
        return T(kinase::select(x[1] > T(0.0), x[1], s));
      },
      {0.0, 1.0}, "select(x1 > 0, x1, sqrt(x0))");
}

TEST(CompiledStrongZero, HessianVectorProductThroughAnUnusedBranch) {
  // max(tanh(1000·x0), x1 + 2) at (1, 0.5) is x1 + 2 near the point, so H·v = 0 (the tape's answer). tanh's partial
  // at 1000 is 1/cosh² = 0 with a nan derivative (cosh overflows); the branch's adjoint is 0 with tangent 0.
  const auto f = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    using std::max, std::tanh;
    const T t = T(tanh(x[0] * T(1000.0)));
    return T(max(t, T(x[1] + T(2.0))));
  };
  const std::vector<double> x{1.0, 0.5}, v{0.5, -0.8};
  const std::vector<double> plain = kinase::hvp(f, x, v);
  for (const NamedBackend* backend : backends()) {
    const auto cf = kinase::compile(options_for(*backend), f, x);
    EXPECT_TRUE(all_close(kinase::hvp(cf, x, v), plain, 0, 0, "H·v on " + backend->name));
  }
}

TEST(CompiledStrongZero, ZeroAdjointKeepsItsTangentInSecondOrder) {
  // The strong-zero test of forward over reverse looks at every component of an adjoint (the tape's is_zero on a
  // Dual): an adjoint that is 0 with a nonzero tangent still propagates its tangent. f = sin(x)² at 0: the adjoint
  // of sin(x) is 2·sin(x) = 0 but its tangent is 2·cos(x) = 2, and f'' = 2.
  const auto f = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    using std::sin;
    const T u = T(sin(x[0]));
    return T(u * u);
  };
  // (x0·x1)² at (1.5, 0): the Hessian is [[0, 0], [0, 2·x0²]] = [[0, 0], [0, 4.5]].
  const auto g = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    const T u = T(x[0] * x[1]);
    return T(u * u);
  };
  const std::vector<double> x{0.0}, v{1.0}, y{1.5, 0.0}, w{0.0, 1.0};
  EXPECT_TRUE(all_close(to_vector(kinase::hessian(f, x)), std::vector<double>{2.0}, 1e-15L, 0, "plain f''"));
  EXPECT_TRUE(all_close(to_vector(kinase::hessian(g, y)), std::vector<double>{0, 0, 0, 4.5}, 1e-15L, 0, "plain H"));
  for (const NamedBackend* backend : backends()) {
    const auto cf = kinase::compile(options_for(*backend), f, x);
    const auto cg = kinase::compile(options_for(*backend), g, y);
    const std::string on = " on " + backend->name;
    EXPECT_TRUE(all_close(to_vector(kinase::hessian(cf, x)), std::vector<double>{2.0}, 1e-15L, 0, "sin(x)², f''" + on));
    EXPECT_TRUE(all_close(kinase::hvp(cf, x, v), std::vector<double>{2.0}, 1e-15L, 0, "sin(x)², H·v" + on));
    EXPECT_TRUE(
        all_close(to_vector(kinase::hessian(cg, y)), std::vector<double>{0, 0, 0, 4.5}, 1e-15L, 0, "(x0·x1)², H" + on));
    EXPECT_TRUE(all_close(kinase::hvp(cg, y, w), std::vector<double>{0, 4.5}, 1e-15L, 0, "(x0·x1)², H·v" + on));
  }
}

// --- random programs ------------------------------------------------------------------------------------------

/// splitmix64: the same numbers on every standard library (std::uniform_*_distribution is not portable).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// clang-format off
enum class Step {
  Add, Sub, Mul,
  Div,                                   // a / (1.5 + b²)
  Sin, Cos,
  ExpTanh,                               // exp(tanh(a))
  LogOnePlusSquare, SqrtOnePlusSquare,   // log(1 + a²), sqrt(1 + a²)
  Tanh, Atan, Hypot, Abs, Min, Max,
  PowInt,                                // pow(a, k), k in 0 … 4
  Select,                                // select(a < b, c, d)
  Loop,                                  // for_range with one of loop_variants bodies
  count
};
// clang-format on
constexpr int step_count = static_cast<int>(Step::count);
constexpr int loop_variants = 8;

/// Whether a step reads its second operand (a loop's is a value its body reads).
constexpr bool binary(Step s) {
  return s == Step::Add || s == Step::Sub || s == Step::Mul || s == Step::Div || s == Step::Hypot || s == Step::Min ||
         s == Step::Max || s == Step::Select || s == Step::Loop;
}

/// v[n + s] = step(v[a], v[b], v[c], v[d]) for statement s; v[0..n) are the inputs.
struct Statement {
  Step step = Step::Add;
  int a = 0, b = 0, c = 0, d = 0;
  int k = 0;               // the exponent of PowInt; the body of a Loop
  int lo = 0, hi = 0;      // a Loop's range
  double coefficient = 0;  // a constant of a Loop's body
};

struct Program {
  std::uint64_t seed = 0;
  int n = 1;
  std::vector<Statement> statements;
  std::vector<std::pair<int, double>> result;  // Σ coefficient · v[index]
  std::string str() const;
};

std::string Program::str() const {
  static constexpr const char* names[] = {"add",  "sub",  "mul",   "div", "sin", "cos", "exp_tanh", "log1sq", "sqrt1sq",
                                          "tanh", "atan", "hypot", "abs", "min", "max", "pow",      "select", "loop"};
  std::ostringstream s;
  s << "program seed " << seed << ", n = " << n << ":\n";
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& st = statements[i];
    s << "  v" << n + static_cast<int>(i) << " = " << names[static_cast<int>(st.step)] << "(v" << st.a;
    if (binary(st.step)) s << ", v" << st.b;
    if (st.step == Step::Select) s << ", v" << st.c << ", v" << st.d;
    if (st.step == Step::PowInt) s << ", k=" << st.k;
    if (st.step == Step::Loop)
      s << ", body " << st.k << ", range [" << st.lo << ", " << st.hi << "), c=" << num(st.coefficient);
    s << ")\n";
  }
  s << "  result =";
  for (const auto& [i, c] : result) s << " + " << num(c) << "·v" << i;
  return s.str();
}

/// The body of a loop statement: the carry starts at v[a]; w = v[b] is captured from outside the loop.
template <class T, class V>
T run_loop(const Statement& s, const V& x, const T& init, const T& w) {
  using std::atan, std::sin, std::tanh;
  const double c = s.coefficient;
  switch (s.k) {
    case 0:  // reads x[i], i in [lo, hi) ⊂ [0, n)
      return kinase::for_range(s.lo, s.hi, init, [&](auto i, const T& carry) { return T(carry * T(c) + x[i] * w); });
    case 1:
      return kinase::for_range(s.lo, s.hi, init, [&](auto i, const T& carry) { return T(sin(carry) * w + x[i]); });
    case 2:
      return kinase::for_range(s.lo, s.hi, init, [&](auto i, const T& carry) {
        return T(kinase::select(carry < x[i], T(carry + x[i] * w), T(carry * T(0.5))));
      });
    case 3:
      return kinase::for_range(s.lo, s.hi, init, [&](auto i, const T& carry) { return T(tanh(carry * w + x[i])); });
    case 4:  // reads x[i] and x[i + 1], i in [lo, hi) ⊂ [0, n − 1)
      return kinase::for_range(s.lo, s.hi, init,
                               [&](auto i, const T& carry) { return T(carry + w * x[i] * x[i + 1] + T(c)); });
    case 5:  // no index: [lo, hi) may be empty
      return kinase::for_range(s.lo, s.hi, init,
                               [&](auto, const T& carry) { return T(carry * T(c) + sin(carry) * w); });
    case 6:
      return kinase::for_range(s.lo, s.hi, init, [&](auto, const T& carry) { return T(atan(carry) * w + T(c)); });
    default: {  // two carries
      using C = std::array<T, 2>;
      const C r = kinase::for_range(s.lo, s.hi, C{init, w}, [&](auto i, const C& carry) {
        return C{T(carry[0] + carry[1] * x[i]), T(carry[1] * T(c) + sin(carry[0]))};
      });
      return T(r[0] + r[1]);
    }
  }
}

/// The value of statement s, whose operands are v[s.a], v[s.b], ... (a loop's body also reads x).
template <class T, class V>
T run_statement(const Statement& s, const V& x, const std::vector<T>& v) {
  using std::abs, std::atan, std::cos, std::exp, std::hypot, std::log, std::max, std::min, std::pow, std::sin,
      std::sqrt, std::tanh;
  const auto at = [&v](int i) -> const T& { return v[static_cast<std::size_t>(i)]; };
  const T& a = at(s.a);
  const T& b = at(s.b);
  switch (s.step) {
    case Step::Add:
      return T(a + b);
    case Step::Sub:
      return T(a - b);
    case Step::Mul:
      return T(a * b);
    case Step::Div:
      return T(a / (T(1.5) + b * b));
    case Step::Sin:
      return T(sin(a));
    case Step::Cos:
      return T(cos(a));
    case Step::ExpTanh:
      return T(exp(tanh(a)));
    case Step::LogOnePlusSquare:
      return T(log(T(1.0) + a * a));
    case Step::SqrtOnePlusSquare:
      return T(sqrt(T(1.0) + a * a));
    case Step::Tanh:
      return T(tanh(a));
    case Step::Atan:
      return T(atan(a));
    case Step::Hypot:
      return T(hypot(a, b));
    case Step::Abs:
      return T(abs(a));
    case Step::Min:
      return T(min(a, b));
    case Step::Max:
      return T(max(a, b));
    case Step::PowInt:
      return T(pow(a, s.k));
    case Step::Select:
      return T(kinase::select(a < b, at(s.c), at(s.d)));
    case Step::Loop:
      return run_loop(s, x, a, b);
    case Step::count:
      break;
  }
  return T(0.0);
}

/// Every value of the program: the inputs, then one per statement. Generic over the scalar type, so that the same
/// code runs on double, the tape, Dual and the tracer.
template <class V>
auto run_values(const Program& p, const V& x) {
  using T = std::remove_cvref_t<decltype(x[0])>;
  std::vector<T> v;
  v.reserve(static_cast<std::size_t>(p.n) + p.statements.size());
  for (int i = 0; i < p.n; ++i) v.push_back(x[static_cast<std::size_t>(i)]);
  for (const Statement& s : p.statements) {
    T r = run_statement(s, x, v);  // not pushed directly: push_back may move v under its argument
    v.push_back(std::move(r));
  }
  return v;
}

template <class V>
auto run_program(const Program& p, const V& x) {
  using T = std::remove_cvref_t<decltype(x[0])>;
  const auto v = run_values(p, x);
  T r = T(p.result[0].second) * v[static_cast<std::size_t>(p.result[0].first)];
  for (std::size_t i = 1; i < p.result.size(); ++i)
    r = T(r + T(p.result[i].second) * v[static_cast<std::size_t>(p.result[i].first)]);
  return r;
}

/// A random program of seed `seed`, and two points where all its values are finite and moderate.
struct Case {
  Program program;
  std::vector<double> x0, x1;
};

bool moderate(const Program& p, const std::vector<double>& x) {
  for (double e : run_values(p, x))
    if (!std::isfinite(e) || std::fabs(e) > 1e6) return false;
  return true;
}

Case generate(std::uint64_t seed) {
  Rng rng{seed};
  for (;;) {
    Case c;
    Program& p = c.program;
    p.seed = seed;
    p.n = 1 + rng.below(4);
    const int count = 5 + rng.below(21);
    for (int s = 0; s < count; ++s) {
      const int available = p.n + s;
      Statement st;
      st.step = rng.below(10) == 0 ? Step::Loop : static_cast<Step>(rng.below(step_count - 1));
      // Operands: half of them among the three latest values, so that chains are deep.
      const auto operand = [&] {
        return rng.below(2) ? available - 1 - rng.below(std::min(3, available)) : rng.below(available);
      };
      st.a = operand();
      st.b = available > 1 ? (st.a + 1 + rng.below(available - 1)) % available : st.a;  // b ≠ a when possible
      st.c = operand();
      st.d = operand();
      if (st.step == Step::PowInt) st.k = rng.below(5);  // 0 … 4
      if (st.step == Step::Loop) {
        st.k = rng.below(loop_variants);
        if (st.k == 4 && p.n < 2) st.k = 0;
        st.coefficient = rng.uniform(-0.9, 0.9);
        if (st.k == 5 || st.k == 6) {  // 2 … 6 iterations, or (1 in 8) none
          st.lo = rng.below(3);
          st.hi = rng.below(8) == 0 ? st.lo : st.lo + 2 + rng.below(5);
        } else {  // a range of indices of x
          const int last = st.k == 4 ? p.n - 1 : p.n;
          st.lo = rng.below(last);
          st.hi = st.lo + 1 + rng.below(last - st.lo);
        }
      }
      p.statements.push_back(st);
    }
    // The result: every value that no statement uses (so that no statement is dead), and sometimes an input.
    std::vector<char> used(static_cast<std::size_t>(p.n + count), 0);
    for (const Statement& st : p.statements) {
      used[static_cast<std::size_t>(st.a)] = 1;
      if (binary(st.step)) used[static_cast<std::size_t>(st.b)] = 1;
      if (st.step == Step::Select) used[static_cast<std::size_t>(st.c)] = used[static_cast<std::size_t>(st.d)] = 1;
    }
    for (int i = p.n; i < p.n + count; ++i)
      if (!used[static_cast<std::size_t>(i)]) p.result.emplace_back(i, rng.uniform(0.5, 1.5) * (rng.below(2) ? 1 : -1));
    if (rng.below(4) == 0) p.result.emplace_back(rng.below(p.n), rng.uniform(-1, 1));
    // Inputs in [−2, 2], one in eight exactly 0: products with a zero factor give adjoints that are exactly zero
    // while their tangents are not (the case of the strong-zero rule that must keep the tangent).
    const auto input = [&rng] { return rng.below(8) == 0 ? 0.0 : rng.uniform(-2, 2); };
    for (int i = 0; i < p.n; ++i) c.x0.push_back(input()), c.x1.push_back(input());
    if (moderate(p, c.x0) && moderate(p, c.x1)) return c;
  }
}

/// The programs of one run: seeds first_seed, first_seed + 1, …, in program_batches tests (so that ctest runs them in
/// parallel).
constexpr int program_count = 1000;
constexpr int program_batches = 4;
constexpr std::uint64_t first_seed = 1000;

/// Checks one program on `backend`; returns false when a check failed.
bool check_program(const Case& c, const NamedBackend& backend, bool second_order) {
  const Program& p = c.program;
  SCOPED_TRACE(p.str() + "\non " + backend.name);
  bool ok = true;
  const auto expect = [&ok](const ::testing::AssertionResult& r) {
    EXPECT_TRUE(r);
    ok = ok && static_cast<bool>(r);
  };
  const auto f = [&p](const auto& x) { return run_program(p, x); };
  const auto cf = kinase::compile(options_for(backend), f, c.x0);
  for (const auto* x : {&c.x0, &c.x1}) {
    const std::string at = " at x = " + vec(*x);
    expect(same_primal(cf(*x), f(*x), "primal" + at));
    const std::vector<double> tape = kinase::gradient(kinase::Reverse, f, *x);
    const long double abs = 1e-9L * std::max(1.0, max_abs(tape));
    expect(all_close(kinase::gradient(kinase::Forward, f, *x), tape, 1e-9L, abs, "Dual vs tape" + at));
    expect(all_close(kinase::gradient(kinase::Reverse, cf, *x), tape, 1e-9L, abs, "compiled vjp vs tape" + at));
    expect(all_close(kinase::gradient(kinase::Forward, cf, *x), tape, 1e-9L, abs, "compiled jvp vs tape" + at));
  }
  if (second_order) {
    std::vector<double> v;
    for (int i = 0; i < p.n; ++i) v.push_back(0.5 + 0.37 * i - (i % 2 ? 1.3 : 0.0));
    const std::vector<double> plain = kinase::hvp(f, c.x0, v);
    expect(all_close(kinase::hvp(cf, c.x0, v), plain, 1e-8L, 1e-8L * std::max(1.0, max_abs(plain)),
                     "H·v at x = " + vec(c.x0)));
  }
  return ok;
}

class RandomPrograms : public ::testing::TestWithParam<int> {};

// Program k runs on the interpreter, or on LLVM (when built) when k % 10 == 5; H·v is checked for k % 10 == 0 and
// for every third LLVM program (H·v programs are the costliest to build).
TEST_P(RandomPrograms, AgreeWithThePlainEngines) {
  constexpr int per_batch = program_count / program_batches;
  int failures = 0;
  for (int k = GetParam() * per_batch; k < (GetParam() + 1) * per_batch && failures < 20; ++k) {
    const Case c = generate(first_seed + static_cast<std::uint64_t>(k));
    const bool on_llvm = k % 10 == 5 && llvm();
    if (!check_program(c, on_llvm ? *llvm() : interpreter(), on_llvm ? k % 30 == 5 : k % 10 == 0)) ++failures;
  }
}
INSTANTIATE_TEST_SUITE_P(CompiledEngineProperty, RandomPrograms, ::testing::Range(0, program_batches));

TEST(CompiledEngineProperty, GeneratorCoversEveryStep) {
  std::array<int, step_count> steps{};
  std::array<int, loop_variants> loops{};
  int empty_loops = 0;
  for (int k = 0; k < program_count; ++k) {
    for (const Statement& s : generate(first_seed + static_cast<std::uint64_t>(k)).program.statements) {
      ++steps[static_cast<std::size_t>(s.step)];
      if (s.step == Step::Loop) ++loops[static_cast<std::size_t>(s.k)], empty_loops += s.hi <= s.lo;
    }
  }
  for (int s = 0; s < step_count; ++s) EXPECT_GT(steps[static_cast<std::size_t>(s)], 50) << "step " << s;
  for (int l = 0; l < loop_variants; ++l) EXPECT_GT(loops[static_cast<std::size_t>(l)], 20) << "loop body " << l;
  EXPECT_GT(empty_loops, 5);
}

}  // namespace
