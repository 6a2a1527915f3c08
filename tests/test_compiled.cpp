// The compiled engine: tracing, the IR's printer, verifier and interpreter, the passes on loops, guards, errors, and
// the API (the seed's examples through kinase::compile). The op matrix and the random-program agreement test are in
// test_compiled_engines.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/compiled.hpp>
#include <kinase/ir/backend.hpp>
#include <kinase/ir/builder.hpp>
#include <kinase/ir/passes.hpp>
#include <string>
#include <vector>

namespace {

using kinase::Active;
using kinase::Const;
using kinase::Duplicated;
using kinase::Forward;
using kinase::Reverse;
using kinase::ReverseWithPrimal;

auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};

// The extended Rosenbrock function (B1) with its loop kept as a loop.
auto extended_rosenbrock = [](const auto& x) {
  using T = std::remove_cvref_t<decltype(x[0])>;
  return kinase::for_range(0, static_cast<std::int64_t>(x.size()) - 1, T(0.0), [&](auto i, const T& acc) {
    const T a = x[i + 1] - x[i] * x[i];
    const T b = 1.0 - x[i];
    return T(acc + 100.0 * a * a + b * b);
  });
};

std::vector<double> ramp(std::size_t n, double scale = 0.1) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = scale * (static_cast<double>(i) - 0.37 * static_cast<double>(n));
  return x;
}

kinase::CompileOptions strict_mode() {
  kinase::CompileOptions o;
  o.strict = true;
  return o;
}

void expect_near_rel(double a, double b, double tol = 1e-12) { EXPECT_NEAR(a, b, tol * (1 + std::abs(b))); }

TEST(Compiled, SeedReverseExamples) {
  auto cf = kinase::compile(rosenbrock, 1.0, 2.0);
  EXPECT_EQ(cf(1.0, 2.0), 100.0);
  const auto r1 = kinase::autodiff(Reverse, cf, Active{}, Active(1.0), Active(2.0));
  EXPECT_EQ(r1.derivatives[0], -400);
  EXPECT_EQ(r1.derivatives[1], 200);
  const auto r2 = kinase::autodiff(ReverseWithPrimal, cf, Active{}, Active(1.0), Active(2.0));
  EXPECT_EQ(r2.primal, 100);
  EXPECT_EQ(r2.derivatives[0], -400);

  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  auto ci = kinase::compile(rosenbrock_inp, x);
  kinase::autodiff(Reverse, ci, Active{}, Duplicated(x, dx));
  EXPECT_EQ(dx, (std::vector<double>{-400, 200}));
  kinase::autodiff(Reverse, ci, Active{}, Duplicated(x, dx));  // accumulates, as for a plain function
  EXPECT_EQ(dx, (std::vector<double>{-800, 400}));
  EXPECT_EQ(kinase::gradient(Reverse, ci, {1.0, 2.0}), (std::vector<double>{-400, 200}));

  auto foo = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::array<S, 2>{rosenbrock_inp(v), v[0] * v[1]};
  };
  auto cfoo = kinase::compile(foo, x);
  const auto J = kinase::jacobian(Reverse, cfoo, {1.0, 2.0});
  EXPECT_EQ(J(0, 0), -400);
  EXPECT_EQ(J(0, 1), 200);
  EXPECT_EQ(J(1, 0), 2);
  EXPECT_EQ(J(1, 1), 1);
  EXPECT_EQ(kinase::jacobian(Forward, cfoo, {1.0, 2.0}), J);
}

TEST(Compiled, SeedForwardExamples) {
  auto cf = kinase::compile(rosenbrock, 1.0, 3.0);
  const auto r1 = kinase::autodiff(Forward, cf, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0));
  EXPECT_EQ(r1.primal, 400);
  EXPECT_EQ(r1.derivative, 400);
  const auto r3 = kinase::autodiff(Forward, cf, Duplicated{}, Duplicated(1.0, 1.0), Duplicated(3.0, 1.0));
  EXPECT_EQ(r3.derivative, -400);
  const auto r5 = kinase::autodiff(Forward, cf, kinase::BatchDuplicated{}, kinase::BatchDuplicated(1.0, {1.0, 0.0}),
                                   kinase::BatchDuplicated(3.0, {0.0, 1.0}));
  EXPECT_EQ(r5.derivatives[0], -800);
  EXPECT_EQ(r5.derivatives[1], 400);
  std::vector<double> x{1.0, 3.0}, dx{1.0, 1.0};
  auto ci = kinase::compile(rosenbrock_inp, x);
  EXPECT_EQ(kinase::autodiff(Forward, ci, Duplicated{}, Duplicated(x, dx)).derivative, -400);
  EXPECT_EQ(kinase::gradient(Forward, ci, {1.0, 2.0}), (std::vector<double>{-400, 200}));
  EXPECT_EQ(kinase::gradient(Forward, ci, {1.0, 2.0}, kinase::chunk<1>), (std::vector<double>{-400, 200}));
}

TEST(Compiled, WithPrimalModesReturnThePrimalToo) {
  const std::vector<double> x{1.0, 2.0};
  auto ci = kinase::compile(rosenbrock_inp, x);
  const auto rg = kinase::gradient(ReverseWithPrimal, ci, x);
  EXPECT_EQ(rg.primal, 100.0);
  EXPECT_EQ(rg.derivative, (std::vector<double>{-400, 200}));
  const auto fg = kinase::gradient(kinase::ForwardWithPrimal, ci, x);
  EXPECT_EQ(fg.primal, 100.0);
  EXPECT_EQ(fg.derivative, (std::vector<double>{-400, 200}));
  auto foo = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::array<S, 2>{rosenbrock_inp(v), v[0] * v[1]};
  };
  auto cfoo = kinase::compile(foo, x);
  for (const auto& r :
       {kinase::jacobian(ReverseWithPrimal, cfoo, x), kinase::jacobian(kinase::ForwardWithPrimal, cfoo, x)}) {
    EXPECT_EQ(r.primal, (std::vector<double>{100.0, 2.0}));
    EXPECT_EQ(r.derivative(0, 0), -400);
    EXPECT_EQ(r.derivative(1, 0), 2);
    EXPECT_EQ(r.derivative(1, 1), 1);
  }
  // The gradient program without the primal leaves the result out: its C++ source names no store to it.
  const std::string primal_cpp = ci.cpp(), gradient_cpp = ci.gradient_cpp();
  EXPECT_NE(primal_cpp.find("out[0]["), std::string::npos) << primal_cpp;
  EXPECT_EQ(gradient_cpp.find("out[0]["), std::string::npos) << gradient_cpp;
  EXPECT_NE(gradient_cpp.find("out[1]["), std::string::npos) << gradient_cpp;
}

TEST(Compiled, SecondOrderMatchesTheTape) {
  const std::vector<double> x{0.3, -1.2, 0.8, 2.0};
  auto f = [](const auto& v) {
    using std::exp;
    using std::sin;
    return sin(v[0] * v[1]) + exp(v[2]) * v[3] * v[3] + v[0] / (1.0 + v[3] * v[3]);
  };
  auto cf = kinase::compile(f, x);
  const auto H = kinase::hessian(cf, x);
  const auto Ht = kinase::hessian(f, x);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) expect_near_rel(H(i, j), Ht(i, j));
  const std::vector<double> v{1.0, -0.5, 0.25, 2.0};
  const auto hv = kinase::hvp(cf, x, v);
  const auto hvt = kinase::hvp(f, x, v);
  for (std::size_t i = 0; i < 4; ++i) expect_near_rel(hv[i], hvt[i]);
}

TEST(Compiled, LoopGradientMatchesTheTapeAndStaysALoop) {
  const auto x = ramp(50);
  auto cf = kinase::compile(extended_rosenbrock, x);
  expect_near_rel(cf(x), extended_rosenbrock(x));
  const auto g = kinase::gradient(Reverse, cf, x);
  const auto gt = kinase::gradient(Reverse, extended_rosenbrock, x);
  for (std::size_t i = 0; i < x.size(); ++i) expect_near_rel(g[i], gt[i]);
  const auto gf = kinase::gradient(Forward, cf, x);
  for (std::size_t i = 0; i < x.size(); ++i) expect_near_rel(gf[i], gt[i]);
  const auto v = ramp(50, 0.03);
  const auto hv = kinase::hvp(cf, x, v);
  const auto hvt = kinase::hvp(extended_rosenbrock, x, v);
  for (std::size_t i = 0; i < x.size(); ++i) expect_near_rel(hv[i], hvt[i], 1e-11);
  // The trace holds one loop, not 49 copies of its body.
  const std::string text = cf.ir();
  EXPECT_NE(text.find("loop i in [0, 49)"), std::string::npos) << text;
  EXPECT_LT(cf.core().stats().programs.front().instructions, 40u);
}

TEST(Compiled, LoopsWhoseReverseNeedsTheCarriedValues) {
  // A product carry (its reverse needs every partial product: the forward loop keeps them), two carries, an outer
  // active value used inside the loop (its adjoint is carried by the reverse loop), and nested loops.
  auto f = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    const T scale = x[0] * x[1];
    const auto n = static_cast<std::int64_t>(x.size());
    const std::array<T, 2> init{T(1.0), T(0.0)};
    const auto r = kinase::for_range(1, n, init, [&](auto i, const std::array<T, 2>& c) {
      const T inner = kinase::for_range(0, 3, T(0.0), [&](auto j, const T& s) { return T(s + x[j] * x[i]); });
      return std::array<T, 2>{T(c[0] * (1.0 + 0.1 * x[i])), T(c[1] + scale * sin(x[i] * c[0]) + inner)};
    });
    return r[0] * r[1];
  };
  const auto x = ramp(7, 0.4);
  auto cf = kinase::compile(f, x);
  expect_near_rel(cf(x), f(x));
  const auto g = kinase::gradient(Reverse, cf, x);
  const auto gt = kinase::gradient(Reverse, f, x);
  for (std::size_t i = 0; i < x.size(); ++i) expect_near_rel(g[i], gt[i], 1e-11);
  const auto H = kinase::hessian(cf, x);
  const auto Ht = kinase::hessian(f, x);
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); ++j) expect_near_rel(H(i, j), Ht(i, j), 1e-10);
}

TEST(Compiled, SelectAndCondAreSymbolicAndWorkOnEveryEngine) {
  auto f = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    const T a = kinase::select(x[0] < x[1], x[0] * x[0], T(3.0) * x[1]);
    const T b = kinase::cond(
        x[1] > 0.0, [&] { return T(x[1] * x[0]); }, [&] { return T(-x[1]); });
    return T(a + b);
  };
  const std::vector<double> p{0.5, 2.0}, q{3.0, -1.0};
  auto cf = kinase::compile(strict_mode(), f, p);
  for (const auto& x : {p, q}) {
    EXPECT_DOUBLE_EQ(cf(x), f(x));  // no guard: strict mode does not throw for either side
    const auto g = kinase::gradient(Reverse, cf, x);
    const auto gt = kinase::gradient(Reverse, f, x);
    EXPECT_DOUBLE_EQ(g[0], gt[0]);
    EXPECT_DOUBLE_EQ(g[1], gt[1]);
  }
  EXPECT_EQ(cf.stats().traces, 1u);
}

TEST(Compiled, AGuardReTracesWhenABranchGoesTheOtherWay) {
  auto f = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    if (x[0] > 0.0) return T(x[0] * x[0] * x[1]);
    return T(-x[0] * x[1]);
  };
  const std::vector<double> p{2.0, 3.0}, q{-2.0, 3.0};
  auto cf = kinase::compile(f, p);
  EXPECT_NE(cf.ir().find("guard"), std::string::npos);
  EXPECT_EQ(cf(p), 12.0);
  EXPECT_EQ(cf(q), 6.0);  // re-traced
  EXPECT_EQ(cf.stats().traces, 2u);
  EXPECT_EQ(kinase::gradient(Reverse, cf, p), (std::vector<double>{12.0, 4.0}));  // back to the first trace
  EXPECT_EQ(kinase::gradient(Reverse, cf, q), (std::vector<double>{-3.0, 2.0}));
  EXPECT_EQ(cf.stats().traces, 2u);  // both are kept

  auto strict = kinase::compile(strict_mode(), f, p);
  EXPECT_EQ(strict(p), 12.0);
  try {
    strict(q);
    ADD_FAILURE() << "strict mode must throw";
  } catch (const kinase::Error& e) {
    EXPECT_NE(std::string(e.what()).find("> 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("strict"), std::string::npos) << e.what();
  }
}

TEST(Compiled, TracingErrorsNameTheOperationAndTheArgument) {
  auto branchy_loop = [](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    return kinase::for_range(0, 3, T(0.0), [&](auto i, const T& acc) {
      if (x[i] > 0.0) return T(acc + x[i]);
      return acc;
    });
  };
  const std::vector<double> x{1.0, 2.0, 3.0};
  try {
    kinase::compile(branchy_loop, x);
    ADD_FAILURE() << "a branch inside for_range must be refused";
  } catch (const kinase::Error& e) {
    EXPECT_NE(std::string(e.what()).find("kinase::select"), std::string::npos) << e.what();
  }
  auto past_the_end = [](const auto& v) {
    using T = std::remove_cvref_t<decltype(v[0])>;
    return kinase::for_range(0, 3, T(0.0), [&](auto i, const T& acc) { return T(acc + v[i + 1]); });
  };
  try {
    kinase::compile(past_the_end, x);
    ADD_FAILURE() << "an index past the end must be refused";
  } catch (const kinase::Error& e) {
    EXPECT_NE(std::string(e.what()).find("input `arg0`"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1 to 3"), std::string::npos) << e.what();
  }
  auto cf = kinase::compile(rosenbrock_inp, x);
  EXPECT_THROW(cf(std::vector<double>{1.0, 2.0}), kinase::Error);  // compiled for 3 elements
  EXPECT_THROW(kinase::gradient(Reverse, cf, std::vector<double>{1.0}), kinase::Error);
  auto two = kinase::compile(rosenbrock, 1.0, 2.0);
  EXPECT_THROW(kinase::gradient(Reverse, two, x), kinase::Error);  // two numbers, not one container
}

TEST(CompiledIr, PrinterVerifierAndInterpreter) {
  using namespace kinase::ir;
  Function f;
  f.name = "g";
  f.inputs = {{"x", 3}};
  f.outputs = {{"y", 1}};
  Builder b(f);
  const ValueId zero = b.index_constant(0);
  const ValueId x0 = b.load(0, zero);
  const ValueId init[] = {x0};
  auto loop = b.begin_loop(0, 3, false, init);
  const ValueId xi = b.load(0, loop.params[0]);
  const ValueId next[] = {b.mul(loop.params[1], xi)};
  const auto results = b.end_loop(loop, next);
  b.store(0, zero, results[0]);
  EXPECT_NO_THROW(verify(f));
  const std::string text = print(f);
  EXPECT_NE(text.find("func g(x[3]) -> (y[1])"), std::string::npos) << text;
  EXPECT_NE(text.find("loop i in [0, 3)"), std::string::npos) << text;
  const double x[] = {2.0, 3.0, 5.0};
  double y = 0;
  const double* in[] = {x};
  double* out[] = {&y};
  EXPECT_EQ(interpret(f, in, out), 0);
  EXPECT_EQ(y, 2.0 * 2.0 * 3.0 * 5.0);
  // The gradient of the product, by vjp, through the interpreter.
  const Function g = vjp(f, all_active(f));
  EXPECT_NO_THROW(verify(g));
  double one = 1, grad[3] = {};
  const double* gin[] = {x, &one};
  double* gout[] = {&y, grad};
  EXPECT_EQ(interpret(g, gin, gout), 0);
  EXPECT_EQ(grad[0], 2 * 2.0 * 3.0 * 5.0);
  EXPECT_EQ(grad[1], 2.0 * 2.0 * 5.0);
  EXPECT_EQ(grad[2], 2.0 * 2.0 * 3.0);
  EXPECT_GT(g.workspace_size, 0u);  // the product's partial products are kept

  // A use before definition is reported with the instruction's number.
  Function bad = f;
  std::swap(bad.regions[0].body[1], bad.regions[0].body[0]);
  EXPECT_THROW(verify(bad), kinase::Error);
  // The C++ emitter names the function and every value.
  const std::string cpp = emit_cpp(f, "product");
  EXPECT_NE(cpp.find("int product("), std::string::npos) << cpp;
}

TEST(CompiledIr, SimplifyFoldsSharesAndRemovesDeadCode) {
  using namespace kinase::ir;
  Function f;
  f.inputs = {{"x", 1}};
  f.outputs = {{"y", 1}};
  Builder b(f);
  b.set_simplify(false);
  const ValueId i0 = b.index_constant(0);
  const ValueId x = b.load(0, i0);
  const ValueId two = b.constant(2.0), three = b.constant(3.0);
  const ValueId six = b.mul(two, three);  // folds to 6
  const ValueId a = b.mul(x, six);
  const ValueId a2 = b.mul(x, six);  // the same as a
  b.mul(x, x);                       // dead
  const ValueId one = b.constant(1.0);
  const ValueId s = b.add(b.mul(a, one), a2);  // a · 1 = a
  b.store(0, i0, s);
  const Function g = simplify(f);
  EXPECT_NO_THROW(verify(g));
  const std::string text = print(g);
  EXPECT_NE(text.find("const 6"), std::string::npos) << text;
  EXPECT_EQ(g.regions[0].body.size(), 6u) << text;  // iconst, load, const 6, mul, add, store
  double xv = 1.5, y = 0;
  const double* in[] = {&xv};
  double* out[] = {&y};
  interpret(g, in, out);
  EXPECT_EQ(y, 18.0);
}

TEST(Compiled, TheBackendsAgreeAndStatsAreReported) {
  const auto x = ramp(20);
  kinase::CompileOptions interp;
  interp.backend = kinase::ir::interpreter_backend();
  auto ci = kinase::compile(interp, extended_rosenbrock, x);
  auto cl = kinase::compile(extended_rosenbrock, x);
  EXPECT_DOUBLE_EQ(ci(x), cl(x));
  const auto gi = kinase::gradient(Reverse, ci, x), gl = kinase::gradient(Reverse, cl, x);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_DOUBLE_EQ(gi[i], gl[i]);
  const auto stats = cl.stats();
  EXPECT_EQ(stats.traces, 1u);
  EXPECT_EQ(stats.programs.size(), 2u);  // primal and vjp
  EXPECT_GE(stats.total_seconds(), 0.0);
  EXPECT_EQ(stats.programs[1].name, "vjp (no primal)");
  if (!kinase::ir::has_llvm()) {
    EXPECT_THROW(kinase::ir::llvm_backend(), kinase::Error);
  }
}

}  // namespace
