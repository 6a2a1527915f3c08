// Second order and nesting: hessian, hvp, hvp_into, hvp_and_gradient_into, jvp, vjp, derivative,
// value_and_gradient; the op matrix at second order through forward over reverse against nested Duals; nested API
// calls (the classic perturbation-confusion case, reverse inside forward).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <kinase/kinase.hpp>
#include <string>
#include <vector>

#include "op_testing.hpp"

namespace {

using kinase::Dual;
using kinase::testing::close;
using kinase::testing::sample;

auto rosenbrock2 = [](const auto& v) {
  using S = std::decay_t<decltype(v[0])>;
  S s = (1.0 - v[0]) * (1.0 - v[0]) + 100.0 * (v[1] - v[0] * v[0]) * (v[1] - v[0] * v[0]);
  return s;
};

/// A function of five variables with every kind of coupling.
auto mixed = [](const auto& v) {
  using S = std::decay_t<decltype(v[0])>;
  using std::exp, std::log, std::sin;
  S s = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::size_t j = (i + 1) % v.size();
    s += sin(v[i] * v[j]) + exp(0.3 * v[i]) * v[j] + log(1.0 + v[i] * v[i]) * v[(i + 2) % v.size()];
  }
  return s;
};

TEST(Hessian, RosenbrockClosedForm) {
  // [[1200x² − 400y + 2, −400x], [−400x, 200]] → at (1, 2): [[402, −400], [−400, 200]].
  const auto h = kinase::hessian(rosenbrock2, {1.0, 2.0});
  EXPECT_EQ(h(0, 0), 402.0);
  EXPECT_EQ(h(0, 1), -400.0);
  EXPECT_EQ(h(1, 0), -400.0);
  EXPECT_EQ(h(1, 1), 200.0);
  for (const auto& p : {std::array{0.3, -1.2}, std::array{-2.0, 0.7}}) {
    const auto hp = kinase::hessian(rosenbrock2, p);
    EXPECT_DOUBLE_EQ(hp(0, 0), 1200 * p[0] * p[0] - 400 * p[1] + 2);
    EXPECT_DOUBLE_EQ(hp(0, 1), -400 * p[0]);
    EXPECT_DOUBLE_EQ(hp(1, 1), 200.0);
  }
}

TEST(Hessian, AgainstFiniteDifferencesOfTheGradientSymmetricEveryChunk) {
  const std::vector<double> x{0.4, -0.3, 1.1, 0.8, -0.6};
  const auto h = kinase::hessian(mixed, x);
  const double eps = 1e-6;
  for (std::size_t j = 0; j < x.size(); ++j) {
    auto xp = x, xm = x;
    xp[j] += eps;
    xm[j] -= eps;
    const auto gp = kinase::gradient(kinase::Reverse, mixed, xp), gm = kinase::gradient(kinase::Reverse, mixed, xm);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_NEAR(h(i, j), (gp[i] - gm[i]) / (2 * eps), 1e-7) << i << ", " << j;
  }
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); ++j) EXPECT_EQ(h(i, j), h(j, i));
  for (const auto& hc : {kinase::hessian(mixed, x, kinase::chunk<1>), kinase::hessian(mixed, x, kinase::chunk<2>),
                         kinase::hessian(mixed, x, kinase::chunk<3>), kinase::hessian(mixed, x, kinase::chunk<8>)})
    for (std::size_t i = 0; i < x.size(); ++i)
      for (std::size_t j = 0; j < x.size(); ++j) EXPECT_NEAR(hc(i, j), h(i, j), 1e-13 * (1 + std::abs(h(i, j))));
}

TEST(Hvp, MatchesHessianTimesVectorAndGivesTheGradient) {
  const std::vector<double> x{0.4, -0.3, 1.1, 0.8, -0.6}, v{1.0, -2.0, 0.5, 0.0, 3.0};
  const auto h = kinase::hessian(mixed, x);
  const auto hv = kinase::hvp(mixed, x, v);
  std::vector<double> res(5), grad(5), res2(5);
  kinase::hvp_and_gradient_into(res, grad, mixed, x, v);
  kinase::hvp_into(res2, mixed, x, v);
  const auto g = kinase::gradient(kinase::Reverse, mixed, x);
  for (std::size_t i = 0; i < 5; ++i) {
    double expected = 0;
    for (std::size_t j = 0; j < 5; ++j) expected += h(i, j) * v[j];
    EXPECT_NEAR(hv[i], expected, 1e-12 * (1 + std::abs(expected)));
    EXPECT_EQ(res[i], hv[i]);
    EXPECT_EQ(res2[i], hv[i]);
    EXPECT_NEAR(grad[i], g[i], 1e-14 * (1 + std::abs(g[i])));
  }
  const auto hv2 = kinase::hvp(rosenbrock2, {1.0, 2.0}, {1.0, 0.0});
  EXPECT_EQ(hv2, (std::vector{402.0, -400.0}));
}

TEST(JvpVjp, DotProductTestAndJacobians) {
  auto f = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    using std::cos, std::exp;
    return std::array<S, 3>{v[0] * v[1], exp(v[1]) - v[2] * v[0], cos(v[2]) * v[1]};
  };
  const std::vector<double> x{0.7, -0.2, 1.3}, v{0.5, 1.5, -1.0}, u{2.0, -1.0, 0.25};
  const auto jv = kinase::jvp(f, x, v);
  const auto ju = kinase::vjp(f, x, u);
  const auto J = kinase::jacobian(kinase::Forward, f, x);
  double lhs = 0, rhs = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    double jvi = 0, jui = 0;
    for (std::size_t j = 0; j < 3; ++j) jvi += J(i, j) * v[j], jui += J(j, i) * u[j];
    EXPECT_NEAR(jv[i], jvi, 1e-14);
    EXPECT_NEAR(ju[i], jui, 1e-14);
    lhs += u[i] * jv[i];
    rhs += ju[i] * v[i];
  }
  EXPECT_NEAR(lhs, rhs, 1e-13);  // ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩
}

TEST(DerivativeAndValueAndGradient, ScalarsAndContainers) {
  EXPECT_DOUBLE_EQ(kinase::derivative([](auto x) { return sin(x) * x; }, 1.0), std::cos(1.0) + std::sin(1.0));
  const auto vg = kinase::value_and_gradient(rosenbrock2, {1.0, 2.0});
  EXPECT_EQ(vg.primal, 100.0);
  EXPECT_EQ(vg.derivative, (std::vector{-400.0, 200.0}));
}

TEST(Nesting, ReverseOverForwardGivesHessianVectorProducts) {
  // Dual<Real<double>, 1>: the forward engine over the tape's scalar. The tangent of f along v, recorded and swept
  // back, is H·v; it must match hvp (forward over reverse).
  using R = kinase::Real<double>;
  using D = Dual<R, 1>;
  const std::vector<double> x0{0.4, -0.3, 1.1, 0.8, -0.6}, v{1.0, -2.0, 0.5, 0.0, 3.0};
  kinase::Tape<double> tape;
  std::vector<R> x(x0.begin(), x0.end());
  {
    kinase::Recording<double> recording(tape);
    std::vector<D> xd;
    for (std::size_t i = 0; i < x.size(); ++i) {
      tape.register_input(x[i]);
      xd.push_back(D(x[i], {R(v[i])}));
    }
    const D f = mixed(xd);
    const R directional = f.tangent[0];
    tape.adjoint(directional) = 1.0;
  }
  tape.evaluate();
  const auto hv = kinase::hvp(mixed, x0, v);
  for (std::size_t i = 0; i < x0.size(); ++i)
    EXPECT_NEAR(tape.adjoint(x[i]), hv[i], 1e-12 * (1 + std::abs(hv[i]))) << i;
}

TEST(Nesting, ClassicPerturbationConfusionCase) {
  // d/dx [x · d/dy (x + y)] = 1 (perturbation confusion would give 2). The inner call receives y in the outer
  // call's scalar type, so its Duals nest inside the outer ones; capturing x and seeding a plain 1.0 instead does
  // not compile (tests/compile_fail/perturbation_confusion.cpp).
  auto outer = [](auto x) {
    using S = decltype(x);
    return x * kinase::derivative([&](auto y) { return x + y; }, S(1.0));
  };
  EXPECT_EQ(kinase::derivative(outer, 3.0), 1.0);
  // d/dx [d/dy (x·y)] = d/dx x = 1: the inner derivative carries the outer tangent.
  auto outer2 = [](auto x) {
    using S = decltype(x);
    return kinase::derivative([&](auto y) { return x * y; }, S(2.0));
  };
  EXPECT_EQ(kinase::derivative(outer2, 3.0), 1.0);
}

TEST(Nesting, ReverseGradientInsideForwardAutodiff) {
  // g(x) = Σ ∂/∂v_i h(v) at v = (x, 2x), h(v) = v₀² v₁ → ∇h = (2v₀v₁, v₀²) → g = 4x² + x² = 5x², g' = 10x.
  auto g = [](auto x) {
    using S = decltype(x);
    auto h = [](const auto& v) {
      using T = std::decay_t<decltype(v[0])>;
      T r = v[0] * v[0] * v[1];
      return r;
    };
    const auto grad = kinase::gradient(kinase::Reverse, h, std::vector<S>{x, 2.0 * x});
    return grad[0] + grad[1];
  };
  const auto r = kinase::autodiff(kinase::Forward, g, kinase::Duplicated{}, kinase::Duplicated(1.5, 1.0));
  EXPECT_DOUBLE_EQ(r.primal, 5 * 1.5 * 1.5);
  EXPECT_DOUBLE_EQ(r.derivative, 10 * 1.5);
}

// --- every op at second order through forward over reverse, against nested Duals --------------------------------

template <class Op>
void check_second_order_op() {
  constexpr int count = 5;
  for (int a = 0; a < count; ++a) {
    std::array<double, 2> p{sample(Op::domain[0].lo, Op::domain[0].hi, a, count), 0.0};
    if constexpr (Op::arity == 2) p[1] = sample(Op::domain[1].lo, Op::domain[1].hi, (a + 2) % count, count, 2.1);
    auto f = [](const auto& v) {
      using S = std::decay_t<decltype(v[0])>;
      S r;
      if constexpr (Op::arity == 1)
        r = kinase::apply<Op>(v[0]);
      else
        r = kinase::apply<Op>(v[0], v[1]);
      return r;
    };
    const std::vector<double> x(p.begin(), p.begin() + Op::arity);
    const auto h = kinase::hessian(f, x);
    using D = Dual<double, 1>;
    using DD = Dual<D, 1>;
    for (int i = 0; i < Op::arity; ++i)
      for (int j = 0; j < Op::arity; ++j) {
        std::array<DD, 2> v;
        for (int k = 0; k < 2; ++k) v[k] = DD(D(p[k], {k == i ? 1.0 : 0.0}), {D(k == j ? 1.0 : 0.0)});
        DD r;
        if constexpr (Op::arity == 1)
          r = kinase::apply<Op>(v[0]);
        else
          r = kinase::apply<Op>(v[0], v[1]);
        const double expected = r.tangent[0].tangent[0];
        // The Hessian is symmetrised; the two mixed partials of the nested Duals agree to rounding.
        EXPECT_TRUE(close(h(i, j), expected, 1e-11L, 1e-12L,
                          std::string(Op::name) + " H(" + std::to_string(i) + "," + std::to_string(j) + ")"));
      }
  }
}

template <class... Op>
void check_second_order_all(kinase::ops::OpList<Op...>) {
  (check_second_order_op<Op>(), ...);
}

TEST(OpMatrixSecondOrder, ForwardOverReverseAgreesWithNestedDuals) {
  check_second_order_all(kinase::ops::differentiable_ops{});
}

TEST(SecondOrderErrors, DirectionOfAnotherSize) {
  try {
    kinase::hvp(rosenbrock2, std::vector<double>{1.0, 2.0}, std::vector<double>{1.0});
    FAIL() << "no error";
  } catch (const kinase::Error& e) {
    EXPECT_STREQ(e.what(), "kinase::hvp: v has 1 elements but x has 2");
  }
}

}  // namespace
