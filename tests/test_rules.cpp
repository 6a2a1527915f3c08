// User-defined rules: scalar rules through kinase::apply in every engine (forward lanes, tape, nested second
// order); external functions (one tape entry, the jvp called once with every lane, generic rules nested, size
// checks); strict mode; and the errors of recording scopes.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <span>
#include <string>
#include <vector>

#include "op_testing.hpp"

// The rules are in a named namespace: a rule's `name` is read only by error messages, and Clang warns about an
// unused constant of internal linkage.
namespace rules_test {

// E(M, e) with E − e sin E = M (Kepler's equation), by the implicit-function theorem: the primal solves on plain
// numbers, and on an active level defers to the rule one level down, so that every level uses the rule.
struct Kepler {
  static constexpr std::string_view name = "kepler";
  static constexpr int arity = 2;
  template <class M, class E>
  static auto primal(const M& m, const E& e) {
    if constexpr (kinase::ActiveScalar<M> || kinase::ActiveScalar<E>) {
      return kinase::apply<Kepler>(m, e);
    } else {
      double E0 = m;
      for (int k = 0; k < 50; ++k) E0 -= (E0 - e * std::sin(E0) - m) / (1 - e * std::cos(E0));
      return E0;
    }
  }
  template <int I>
  static auto partial(const auto&, const auto& e, const auto& E) {
    using std::cos;
    using std::sin;
    if constexpr (I == 0)
      return 1 / (1 - e * cos(E));
    else
      return sin(E) / (1 - e * cos(E));
  }
};
template <class A, class B>
auto kepler(const A& m, const B& e) {
  return Kepler::primal(m, e);
}

double kepler_plain(double m, double e) { return Kepler::primal(m, e); }

// A user rule of two arguments whose partials are both Zero is piecewise constant too.
struct Bucket {
  static constexpr std::string_view name = "bucket";
  static constexpr int arity = 2;
  static auto primal(const auto& x, const auto& w) {
    using std::floor;
    return floor(x / w) * w;
  }
  template <int I>
  static auto partial(const auto&, const auto&, const auto&) {
    return kinase::ops::Zero{};
  }
};

}  // namespace rules_test

namespace {

using kinase::testing::close;
using kinase::testing::error_of;
using rules_test::Kepler;
using rules_test::kepler;
using rules_test::kepler_plain;

TEST(UserRule, ScalarRuleInEveryEngine) {
  const double m = 0.7, e = 0.3;
  auto f = [](const auto& v) { return kepler(v[0], v[1]) * v[0]; };
  const std::vector<double> x{m, e};
  const auto gr = kinase::gradient(kinase::Reverse, f, x);
  const auto gf = kinase::gradient(kinase::Forward, f, x);
  const double E = kepler_plain(m, e);
  const long double dEdm =
      kinase::testing::reference_derivative([&](long double t) { return kepler_plain(double(t), e); }, m);
  const long double dEde =
      kinase::testing::reference_derivative([&](long double t) { return kepler_plain(m, double(t)); }, e);
  EXPECT_TRUE(close(gr[0], E + m * dEdm, 1e-8, 1e-12, "reverse d/dM"));
  EXPECT_TRUE(close(gr[1], m * dEde, 1e-8, 1e-12, "reverse d/de"));
  EXPECT_NEAR(gf[0], gr[0], 1e-14);
  EXPECT_NEAR(gf[1], gr[1], 1e-14);
  // Second order: forward over reverse, and the Hessian against differences of the gradient.
  const auto h = kinase::hessian(f, x);
  for (int j = 0; j < 2; ++j) {
    auto grad_j = [&](long double t) {
      std::vector<double> y = x;
      y[0] = double(t);
      return static_cast<long double>(kinase::gradient(kinase::Reverse, f, y)[std::size_t(j)]);
    };
    EXPECT_TRUE(close(h(std::size_t(j), 0), kinase::testing::reference_derivative(grad_j, m), 1e-6, 1e-9, "hessian"));
  }
  EXPECT_DOUBLE_EQ(h(0, 1), h(1, 0));
}

// A generic external function: y = (x₀ x₁, sin x₀ + x₁²), with counters of the rule calls.
struct Counts {
  int primal = 0, jvp = 0, vjp = 0;
  std::size_t last_lanes = 0;
};
auto two_outputs(Counts* c) {
  return kinase::external("two_outputs",
                          [c](auto x, auto y) {
                            using std::sin;
                            ++c->primal;
                            y[0] = x[0] * x[1];
                            y[1] = sin(x[0]) + x[1] * x[1];
                          })
      .with_jvp([c](auto x, auto, auto dx, auto dy) {
        using std::cos;
        ++c->jvp;
        const std::size_t lanes = dx.size() / 2;
        c->last_lanes = lanes;
        for (std::size_t l = 0; l < lanes; ++l) {
          dy[2 * l] = dx[2 * l] * x[1] + x[0] * dx[2 * l + 1];
          dy[2 * l + 1] = cos(x[0]) * dx[2 * l] + 2 * x[1] * dx[2 * l + 1];
        }
      })
      .with_vjp([c](auto x, auto, auto ybar, auto xbar) {
        using std::cos;
        ++c->vjp;
        const std::size_t lanes = ybar.size() / 2;
        c->last_lanes = lanes;
        for (std::size_t l = 0; l < lanes; ++l) {
          xbar[2 * l] = ybar[2 * l] * x[1] + cos(x[0]) * ybar[2 * l + 1];
          xbar[2 * l + 1] = ybar[2 * l] * x[0] + 2 * x[1] * ybar[2 * l + 1];
        }
      });
}

template <class V>
auto through_external(const V& v, Counts* c) {
  using S = std::remove_cvref_t<decltype(v[0])>;
  const auto y = kinase::call(two_outputs(c), v, 2);
  S r = y[0] * y[1] + v[0];
  return r;
}
template <class V>
auto written_out(const V& v) {
  using std::sin;
  using S = std::remove_cvref_t<decltype(v[0])>;
  S r = v[0] * v[1] * (sin(v[0]) + v[1] * v[1]) + v[0];
  return r;
}

TEST(ExternalFunction, MatchesTheWrittenOutFunctionInEveryEngine) {
  Counts c;
  const std::vector<double> x{0.8, -1.3};
  const auto expected = kinase::gradient(
      kinase::Reverse, [](const auto& v) { return written_out(v); }, x);
  auto f = [&c](const auto& v) { return through_external(v, &c); };
  const auto gr = kinase::gradient(kinase::Reverse, f, x);
  EXPECT_EQ(c.vjp, 1);
  const auto gf = kinase::gradient(kinase::Forward, f, x);  // two lanes: the jvp is called once with both
  EXPECT_EQ(c.jvp, 1);
  EXPECT_EQ(c.last_lanes, 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(gr[i], expected[i], 1e-14);
    EXPECT_NEAR(gf[i], expected[i], 1e-14);
  }
  // Nested: forward over reverse (Real<Dual>) and reverse over forward (hvp through jvp on Reals).
  const auto h = kinase::hessian(f, x);
  const auto he = kinase::hessian([](const auto& v) { return written_out(v); }, x);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) EXPECT_NEAR(h(i, j), he(i, j), 1e-13);
  // Dot-product test between the rule's jvp and vjp through the whole function: ⟨J u, w⟩ = ⟨u, Jᵀ w⟩.
  const auto jf = kinase::jacobian(
      kinase::Forward, [&c](const auto& v) { return kinase::call(two_outputs(&c), v, 2); }, x);
  const auto jr = kinase::jacobian(
      kinase::Reverse, [&c](const auto& v) { return kinase::call(two_outputs(&c), v, 2); }, x);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) EXPECT_NEAR(jf(i, j), jr(i, j), 1e-15);
}

TEST(ExternalFunction, ReverseOverForward) {
  // Dual<Real>: the primal is one tape entry one level down, and the generic jvp runs on Reals (taped), so the
  // tangent is itself differentiable: d/dx₀ of ∂y₁/∂x₀ = cos x₀ is −sin x₀.
  Counts c;
  kinase::Tape<double> tape;
  kinase::Real<double> x0 = 0.8, x1 = -1.3;
  using R = kinase::Real<double>;
  using D = kinase::Dual<R, 1>;
  kinase::Recording<double> recording(tape);
  tape.register_input(x0);
  tape.register_input(x1);
  std::vector<D> in(2), out(2);
  in[0] = D(x0, {R(1.0)});
  in[1] = D(x1, {R(0.0)});
  kinase::call(two_outputs(&c), in, out);
  EXPECT_EQ(c.jvp, 1);
  EXPECT_EQ(tape.stats().callbacks, 1u);
  const R slope = out[1].tangent[0];
  EXPECT_NEAR(slope.primal, std::cos(0.8), 1e-15);
  tape.adjoint(slope) = 1.0;
  tape.evaluate();
  EXPECT_NEAR(tape.adjoint(x0), -std::sin(0.8), 1e-15);
  EXPECT_NEAR(tape.adjoint(x1), 0.0, 1e-15);
}

TEST(ExternalFunction, IsOneTapeEntry) {
  Counts c;
  kinase::Tape<double> tape;
  kinase::Real<double> x0 = 0.8, x1 = -1.3;
  std::vector<kinase::Real<double>> y(2);
  {
    kinase::Recording<double> recording(tape);
    tape.register_input(x0);
    tape.register_input(x1);
    std::vector<kinase::Real<double>> x(2);
    x[0] = x0 * 1.0;
    x[1] = x1 * 1.0;
    EXPECT_EQ(tape.stats().statements, 2u);
    kinase::call(two_outputs(&c), x, y);
  }
  const auto s = tape.stats();
  EXPECT_EQ(s.callbacks, 1u);
  EXPECT_EQ(s.statements, 3u);  // two statements and the entry
  EXPECT_GT(s.bytes_used, 0u);
  tape.adjoint(y[1]) = 1.0;
  tape.evaluate();
  EXPECT_NEAR(tape.adjoint(x0), std::cos(0.8), 1e-15);
  EXPECT_NEAR(tape.adjoint(x1), 2 * -1.3, 1e-15);
  // A reset before the entry drops it.
  tape.reset();
  EXPECT_EQ(tape.stats().callbacks, 0u);
}

TEST(ExternalFunction, InPlaceOutputAndConstantInputs) {
  // y = x in place: the output takes the input's variable; a constant input gets no adjoint.
  auto square = kinase::external("square", [](auto x, auto y) {
                  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] * x[i];
                }).with_vjp([](auto x, auto, auto ybar, auto xbar) {
    const std::size_t n = x.size();
    for (std::size_t k = 0; k < ybar.size(); ++k) xbar[k] = 2 * x[k % n] * ybar[k];
  });
  auto f = [&](const auto& v) {
    using S = std::remove_cvref_t<decltype(v[0])>;
    std::vector<S> w{v[0], S(3.0)};
    kinase::call(square, w, w);
    kinase::call(square, w, w);
    S r = w[0] + w[1];
    return r;
  };
  const auto g = kinase::gradient(kinase::Reverse, f, std::vector<double>{1.5});
  EXPECT_NEAR(g[0], 4 * std::pow(1.5, 3), 1e-13);
}

TEST(ExternalFunction, ReturningRulesInEveryEngine) {
  // The returning forms: primal(x), jvp(x, y, dx), vjp(x, y, ybar) give containers instead of writing spans.
  auto product = kinase::external("product",
                                  [](auto x) {
                                    using T = typename decltype(x)::value_type;
                                    return std::vector<T>{T(x[0] * x[1])};
                                  })
                     .with_jvp([](auto x, auto, auto dx) {
                       using T = typename decltype(x)::value_type;
                       std::vector<T> dy(dx.size() / 2);
                       for (std::size_t l = 0; l < dy.size(); ++l) dy[l] = dx[2 * l] * x[1] + x[0] * dx[2 * l + 1];
                       return dy;
                     })
                     .with_vjp([](auto x, auto, auto ybar) {
                       using T = typename decltype(x)::value_type;
                       std::vector<T> xbar(2 * ybar.size());
                       for (std::size_t l = 0; l < ybar.size(); ++l) {
                         xbar[2 * l] = ybar[l] * x[1];
                         xbar[2 * l + 1] = ybar[l] * x[0];
                       }
                       return xbar;
                     });
  auto f = [&](const auto& v) {
    using S = std::remove_cvref_t<decltype(v[0])>;
    S r = kinase::call(product, v, 1)[0] * v[0];  // x₀² x₁
    return r;
  };
  const std::vector<double> x{1.5, -2.0};
  for (const auto& g : {kinase::gradient(kinase::Reverse, f, x), kinase::gradient(kinase::Forward, f, x)}) {
    EXPECT_DOUBLE_EQ(g[0], 2 * 1.5 * -2.0);
    EXPECT_DOUBLE_EQ(g[1], 1.5 * 1.5);
  }
  const auto h = kinase::hessian(f, x);
  EXPECT_DOUBLE_EQ(h(0, 0), 2 * -2.0);
  EXPECT_DOUBLE_EQ(h(0, 1), 2 * 1.5);
  EXPECT_DOUBLE_EQ(h(1, 1), 0.0);
}

TEST(ExternalFunction, WrongSizesAreNamedErrors) {
  auto bad_primal = kinase::external("bad", [](auto x) { return std::vector<double>(x.size() + 1, 1.0); });
  std::vector<double> x{1.0, 2.0}, y(2);
  EXPECT_EQ(error_of([&] { kinase::call(bad_primal, x, y); }),
            "kinase::call: external function 'bad': its primal returned 3 values, expected 2 (the outputs)");
  auto bad_jvp = kinase::external("halves", [](std::span<const double> in, std::span<double> out) {
                   out[0] = in[0] / 2;
                 }).with_jvp([](std::span<const double>, std::span<const double>, std::span<const double>) {
    return std::vector<double>{1.0, 2.0};  // one lane needs one value
  });
  auto f = [&](const auto& v) { return kinase::call(bad_jvp, v, 1)[0]; };
  EXPECT_EQ(error_of([&] { kinase::gradient(kinase::Forward, f, std::vector<double>{1.0}); }),
            "kinase::call: external function 'halves': its jvp returned 2 values, expected 1 (outputs × lanes)");
  auto bad_vjp = kinase::external("halves", [](std::span<const double> in, std::span<double> out) {
                   out[0] = in[0] / 2;
                 }).with_vjp([](std::span<const double>, std::span<const double>, std::span<const double>) {
    return std::vector<double>{};
  });
  auto g = [&](const auto& v) { return kinase::call(bad_vjp, v, 1)[0]; };
  EXPECT_EQ(error_of([&] { kinase::gradient(kinase::Reverse, g, std::vector<double>{1.0}); }),
            "kinase::call: external function 'halves': its vjp returned 0 values, expected 1 (inputs × lanes)");
}

TEST(ExternalFunction, ForeignInputIsAnError) {
  kinase::Tape<double> a, b;
  kinase::Real<double> x = 1.0;
  {
    kinase::Recording<double> r(a);
    a.register_input(x);
  }
  Counts c;
  kinase::Recording<double> r(b);
  std::vector<kinase::Real<double>> out(2);
  std::vector<kinase::Real<double>> direct(2);
  a.register_input(direct[0]);
  EXPECT_NE(error_of([&] { kinase::call(two_outputs(&c), direct, out); }).find("another tape"), std::string::npos);
}

TEST(Strict, PiecewiseConstantOpOnAnActivePathThrows) {
  auto f = [](const auto& v) {
    using std::floor;
    using S = std::remove_cvref_t<decltype(v[0])>;
    S r = floor(v[0]) * v[1];
    return r;
  };
  const std::vector<double> x{2.5, 3.0};
  EXPECT_EQ(kinase::gradient(kinase::Reverse, f, x)[1], 2.0);  // not strict: floor's derivative is 0
  kinase::Strict strict;
  const std::string message =
      "kinase (strict mode): floor is applied to an active value, and its derivative is zero everywhere (it is "
      "piecewise constant), so no derivative flows through it; take kinase::base_value(x) first if the constant is "
      "meant, or leave the kinase::Strict scope to accept the zero derivative";
  EXPECT_EQ(error_of([&] { kinase::gradient(kinase::Reverse, f, x); }), message);
  EXPECT_EQ(error_of([&] { kinase::gradient(kinase::Forward, f, x); }), message);
  // On a constant, or on a value without a tangent, it is fine.
  auto g = [](const auto& v) {
    using std::floor;
    using S = std::remove_cvref_t<decltype(v[0])>;
    S r = floor(kinase::base_value(v[0])) * v[1];
    return r;
  };
  EXPECT_EQ(kinase::gradient(kinase::Reverse, g, x)[1], 2.0);
  EXPECT_EQ(kinase::gradient(kinase::Forward, g, x)[1], 2.0);
  // An expression of constants while a tape records is not active either.
  kinase::Tape<double> tape;
  kinase::Recording<double> recording(tape);
  const kinase::Real<double> c = 2.5;
  const kinase::Real<double> rounded = floor(c * 3.0);
  EXPECT_EQ(rounded.primal, 7.0);
  // parallel_gradient's worker threads are strict too.
  auto term = [](const auto& v, std::size_t i) {
    using S = std::remove_cvref_t<decltype(v[0])>;
    S r = v[1];
    if (i >= 2) r = floor(v[0]) + v[1];  // only the worker's terms (2 and 3 of 4)
    return r;
  };
  EXPECT_EQ(error_of([&] { kinase::parallel_gradient(term, x, 4, 2); }).rfind("kinase (strict mode): floor", 0), 0u);
}

TEST(Strict, BinaryRuleWithZeroPartials) {
  auto f = [](const auto& v) { return kinase::apply<rules_test::Bucket>(v[0], v[1]) + v[1]; };
  const std::vector<double> x{2.5, 0.5};
  EXPECT_EQ(kinase::gradient(kinase::Reverse, f, x)[0], 0.0);
  kinase::Strict strict;
  for (auto* what : {"reverse", "forward"}) {
    const std::string m = error_of([&] {
      if (std::string(what) == "reverse")
        kinase::gradient(kinase::Reverse, f, x);
      else
        kinase::gradient(kinase::Forward, f, x);
    });
    EXPECT_EQ(m.rfind("kinase (strict mode): bucket is applied to an active value", 0), 0u) << what << ": " << m;
  }
}

TEST(RecordingScope, ClosedOutOfOrderIsAnError) {
  kinase::Tape<double> a, b;
  auto* first = new kinase::Recording<double>(a);
  auto* second = new kinase::Recording<double>(b);
  EXPECT_EQ(error_of([&] { delete first; }),
            "kinase::Recording: a recording scope is closed while a scope opened after it is still open (scopes must "
            "close in reverse order; a Recording left open, e.g. held in a heap object, leaves the thread recording "
            "into the wrong tape)");
  // The later scope still records into b, and closing it restores what recorded before both: nothing.
  kinase::Real<double> x = 2.0;
  b.register_input(x);
  kinase::Real<double> y = x * x;
  EXPECT_EQ(b.stats().statements, 1u);
  delete second;
  kinase::Real<double> z = y * y;
  EXPECT_EQ(z.index(), 0);  // no tape records now
  EXPECT_EQ(b.stats().statements, 1u);
}

TEST(RecordingScopeDeathTest, TapeDestroyedWhileRecordingAborts) {
  EXPECT_DEATH(
      {
        auto tape = std::make_unique<kinase::Tape<double>>();
        kinase::Recording<double> recording(*tape);
        tape.reset();
      },
      "the tape is destroyed while a Recording scope on it is still open");
}

}  // namespace
