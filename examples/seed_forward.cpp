// The seed's forward-mode examples (Enzyme.jl's getting-started page) in C++, with their values.
// Each line prints the call and its result, and the program exits non-zero if a value differs from the seed's.
#include <array>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <vector>

using namespace kinase;

// rosenbrock(x, y) = (1 − x)² + 100 (y − x²)², written once for every scalar type.
auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};

int failures = 0;
void expect(bool ok) { failures += ok ? 0 : 1; }

int main() {
  auto r1 = autodiff(Forward, rosenbrock, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0));
  std::printf("autodiff(Forward, rosenbrock, Duplicated{}, Const(1.0), Duplicated(3.0, 1.0))\n  -> (%g, %g)\n",
              r1.primal, r1.derivative);
  expect(r1.primal == 400 && r1.derivative == 400);

  auto r2 = autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Const(3.0));
  std::printf("autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Const(3.0))\n  -> (%g, %g)\n",
              r2.primal, r2.derivative);
  expect(r2.primal == 400 && r2.derivative == -800);

  auto r3 = autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Duplicated(3.0, 1.0));
  std::printf(
      "autodiff(Forward, rosenbrock, Duplicated{}, Duplicated(1.0, 1.0), Duplicated(3.0, 1.0))\n"
      "  -> (%g, %g)\n",
      r3.primal, r3.derivative);
  expect(r3.primal == 400 && r3.derivative == -400);

  std::vector<double> x{1.0, 3.0}, dx{1.0, 1.0};
  auto r4 = autodiff(Forward, rosenbrock_inp, Duplicated{}, Duplicated(x, dx));
  std::printf(
      "x = {1, 3}, dx = {1, 1}: autodiff(Forward, rosenbrock_inp, Duplicated{}, Duplicated(x, dx))\n"
      "  -> (%g, %g)\n",
      r4.primal, r4.derivative);
  expect(r4.primal == 400 && r4.derivative == -400);

  auto r5 = autodiff(Forward, rosenbrock, BatchDuplicated{}, BatchDuplicated(1.0, {1.0, 0.0}),
                     BatchDuplicated(3.0, {0.0, 1.0}));
  std::printf(
      "autodiff(Forward, rosenbrock, BatchDuplicated{}, BatchDuplicated(1.0, {1.0, 0.0}), "
      "BatchDuplicated(3.0, {0.0, 1.0}))\n  -> (%g, (%g, %g))\n",
      r5.primal, r5.derivatives[0], r5.derivatives[1]);
  expect(r5.primal == 400 && r5.derivatives[0] == -800 && r5.derivatives[1] == 400);

  std::vector<double> dx1{1.0, 0.0}, dx2{0.0, 1.0};
  auto r6 = autodiff(Forward, rosenbrock_inp, BatchDuplicated{}, BatchDuplicated(x, {dx1, dx2}));
  std::printf(
      "autodiff(Forward, rosenbrock_inp, BatchDuplicated{}, BatchDuplicated(x, {dx1, dx2}))\n"
      "  -> (%g, (%g, %g))\n",
      r6.primal, r6.derivatives[0], r6.derivatives[1]);
  expect(r6.primal == 400 && r6.derivatives[0] == -800 && r6.derivatives[1] == 400);

  auto g = gradient(Forward, rosenbrock_inp, {1.0, 2.0});
  auto g1 = gradient(Forward, rosenbrock_inp, {1.0, 2.0}, chunk<1>);
  std::printf("gradient(Forward, rosenbrock_inp, {1.0, 2.0})            -> (%g, %g)\n", g[0], g[1]);
  std::printf("gradient(Forward, rosenbrock_inp, {1.0, 2.0}, chunk<1>)  -> (%g, %g)\n", g1[0], g1[1]);
  expect(g == std::vector<double>{-400, 200} && g1 == g);

  auto foo = [](const auto& v) { return std::array{rosenbrock_inp(v), v[0] * v[1]}; };
  auto J = jacobian(Forward, foo, {1.0, 2.0});
  std::printf("jacobian(Forward, foo, {1.0, 2.0}) -> [[%g, %g], [%g, %g]]\n", J(0, 0), J(0, 1), J(1, 0), J(1, 1));
  expect(J(0, 0) == -400 && J(0, 1) == 200 && J(1, 0) == 2 && J(1, 1) == 1);

  if (failures) std::printf("%d value(s) differ from the seed's\n", failures);
  return failures ? 1 : 0;
}
