// User rules: (a) a stable logsumexp as an external function written generically, so that it works in forward,
// reverse and second-order modes; (b) a scalar rule for Kepler's equation E − e sin E = M by the implicit-function
// theorem, used through kinase::apply. The program checks both against closed forms and finite differences.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <string_view>
#include <vector>

int failures = 0;
void check(const char* what, double got, double want, double tol) {
  const double err = std::abs(got - want) / std::max(1.0, std::abs(want));
  if (!(err <= tol)) {
    std::printf("MISMATCH %s: %.15g, expected %.15g\n", what, got, want);
    ++failures;
  }
}

// (a) logsumexp(x) = m + log Σ exp(xᵢ − m), m = max xᵢ. The rules are templates (auto parameters): nested modes
// call them on Duals and Reals. ∂/∂xᵢ is the softmax pᵢ = exp(xᵢ − y).
const auto lse_primal = [](auto x, auto y) {
  using T = typename decltype(y)::value_type;
  using std::exp;
  using std::log;
  T m = x[0];
  for (const auto& xi : x)
    if (kinase::base_value(xi) > kinase::base_value(m)) m = xi;
  T s = 0;
  for (const auto& xi : x) s += exp(xi - m);
  y[0] = m + log(s);
};
const auto lse_jvp = [](auto x, auto y, auto dx, auto dy) {  // dy[l] = Σ pᵢ dx[l·n + i], lane by lane
  using T = typename decltype(dy)::value_type;
  using std::exp;
  const std::size_t n = x.size();
  for (std::size_t l = 0; l < dy.size(); ++l) {
    T s = 0;
    for (std::size_t i = 0; i < n; ++i) s += exp(x[i] - y[0]) * dx[l * n + i];
    dy[l] = s;
  }
};
const auto lse_vjp = [](auto x, auto y, auto ybar, auto xbar) {  // xbar[l·n + i] = pᵢ ȳ[l]
  using std::exp;
  const std::size_t n = x.size();
  for (std::size_t l = 0; l < ybar.size(); ++l)
    for (std::size_t i = 0; i < n; ++i) xbar[l * n + i] = exp(x[i] - y[0]) * ybar[l];
};
const auto logsumexp = kinase::external("logsumexp", lse_primal).with_jvp(lse_jvp).with_vjp(lse_vjp);

auto lse = [](const auto& v) { return kinase::call(logsumexp, v, 1)[0]; };

// (b) E(M, e) solving E − e sin E = M. On active arguments the rule is applied (its primal then runs one level
// down, so nested levels use the rule again); on doubles, Newton's method.
struct Kepler {
  static constexpr std::string_view name = "kepler";
  static constexpr int arity = 2;

  template <class A, class B>
  static auto primal(const A& M, const B& e) {
    if constexpr (kinase::ActiveScalar<A> || kinase::ActiveScalar<B>) {
      return kinase::apply<Kepler>(M, e);
    } else {
      double E = M;
      for (int k = 0; k < 50; ++k) {
        const double step = (E - e * std::sin(E) - M) / (1 - e * std::cos(E));
        E -= step;
        if (std::abs(step) < 1e-16) break;
      }
      return E;
    }
  }
  template <int I>
  static auto partial(const auto& M, const auto& e, const auto& E) {
    (void)M;
    using std::cos;
    using std::sin;
    if constexpr (I == 0)
      return 1.0 / (1.0 - e * cos(E));
    else
      return sin(E) / (1.0 - e * cos(E));
  }
};

template <class A, class B>
auto kepler(const A& M, const B& e) {
  return Kepler::primal(M, e);
}

int main() {
  // (a) Large arguments: the naive formula overflows, the rule does not.
  const std::vector<double> x{1000, 1001, 1002};
  const double naive = std::log(std::exp(x[0]) + std::exp(x[1]) + std::exp(x[2]));
  const double value = lse(x);
  std::printf("logsumexp(1000, 1001, 1002) = %.12g (naive: %g)\n", value, naive);
  check("logsumexp value", value, 1002 + std::log(1 + std::exp(-1.0) + std::exp(-2.0)), 1e-15);
  if (!std::isfinite(value)) ++failures;

  std::vector<double> p(3);
  for (int i = 0; i < 3; ++i) p[i] = std::exp(x[i] - value);
  const auto gr = kinase::gradient(kinase::Reverse, lse, x);
  const auto gf = kinase::gradient(kinase::Forward, lse, x);
  const auto H = kinase::hessian(lse, x);
  std::printf("softmax         = (%.12f, %.12f, %.12f)\n", p[0], p[1], p[2]);
  std::printf("reverse gradient = (%.12f, %.12f, %.12f)\n", gr[0], gr[1], gr[2]);
  std::printf("forward gradient = (%.12f, %.12f, %.12f)\n", gf[0], gf[1], gf[2]);
  for (int i = 0; i < 3; ++i) {
    check("reverse gradient", gr[i], p[i], 1e-14);
    check("forward gradient", gf[i], p[i], 1e-14);
    for (int j = 0; j < 3; ++j) check("hessian", H(i, j), (i == j ? p[i] : 0.0) - p[i] * p[j], 1e-14);
  }
  std::printf("hessian row 0    = (%.12f, %.12f, %.12f), diag(p) - p p^T\n", H(0, 0), H(0, 1), H(0, 2));

  // (b) Kepler's equation at M = 1.2, e = 0.3.
  auto f = [](const auto& v) { return kepler(v[0], v[1]); };
  const std::vector<double> me{1.2, 0.3};
  const double E = kepler(me[0], me[1]);
  const auto g = kinase::gradient(kinase::Reverse, f, me);
  const auto gfw = kinase::gradient(kinase::Forward, f, me);
  const double h = 1e-6;
  const double dM = (kepler(me[0] + h, me[1]) - kepler(me[0] - h, me[1])) / (2 * h);
  const double de = (kepler(me[0], me[1] + h) - kepler(me[0], me[1] - h)) / (2 * h);
  std::printf("E(1.2, 0.3) = %.15f, residual %.1e\n", E, E - 0.3 * std::sin(E) - 1.2);
  std::printf("dE/dM = %.12f (fd %.12f), dE/de = %.12f (fd %.12f)\n", g[0], dM, g[1], de);
  check("dE/dM", g[0], dM, 1e-8);
  check("dE/de", g[1], de, 1e-8);
  check("forward dE/dM", gfw[0], g[0], 1e-14);
  check("forward dE/de", gfw[1], g[1], 1e-14);

  const auto HK = kinase::hessian(f, me);
  for (int j = 0; j < 2; ++j) {
    std::vector<double> up = me, down = me;
    up[j] += h;
    down[j] -= h;
    const auto gu = kinase::gradient(kinase::Reverse, f, up), gd = kinase::gradient(kinase::Reverse, f, down);
    for (int i = 0; i < 2; ++i) check("kepler hessian", HK(i, j), (gu[i] - gd[i]) / (2 * h), 1e-7);
  }
  std::printf("hessian of E = [[%.10f, %.10f], [%.10f, %.10f]]\n", HK(0, 0), HK(0, 1), HK(1, 0), HK(1, 1));

  if (failures) std::printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
