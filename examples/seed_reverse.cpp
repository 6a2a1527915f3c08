// The seed's reverse-mode examples (Enzyme.jl's getting-started page) in C++, with their values.
// Each line prints the call and its result; the program exits non-zero if a value differs from the seed's.
#include <array>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <vector>

using namespace kinase;

auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
auto rosenbrock_inp = [](const auto& x) {
  return (1.0 - x[0]) * (1.0 - x[0]) + 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]);
};

int failures = 0;
void expect(bool ok) { failures += ok ? 0 : 1; }

int main() {
  const auto r1 = autodiff(Reverse, rosenbrock, Active{}, Active(1.0), Active(2.0));
  std::printf("autodiff(Reverse, rosenbrock, Active{}, Active(1.0), Active(2.0))\n  -> ((%g, %g))\n",
              r1.derivatives[0], r1.derivatives[1]);
  expect(r1.derivatives[0] == -400 && r1.derivatives[1] == 200);

  const auto r2 = autodiff(ReverseWithPrimal, rosenbrock, Active{}, Active(1.0), Active(2.0));
  std::printf("autodiff(ReverseWithPrimal, rosenbrock, Active{}, Active(1.0), Active(2.0))\n  -> ((%g, %g), %g)\n",
              r2.derivatives[0], r2.derivatives[1], r2.primal);
  expect(r2.derivatives[0] == -400 && r2.derivatives[1] == 200 && r2.primal == 100);

  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx));
  std::printf("x = {1, 2}, dx = {0, 0}: autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx))\n"
              "  -> dx = (%g, %g)\n",
              dx[0], dx[1]);
  expect(dx[0] == -400 && dx[1] == 200);
  autodiff(Reverse, rosenbrock_inp, Active{}, Duplicated(x, dx));
  std::printf("the same call again, without make_zero(dx)\n  -> dx = (%g, %g)\n", dx[0], dx[1]);
  expect(dx[0] == -800 && dx[1] == 400);

  const auto g = gradient(Reverse, rosenbrock_inp, {1.0, 2.0});
  std::printf("gradient(Reverse, rosenbrock_inp, {1.0, 2.0}) -> (%g, %g)\n", g[0], g[1]);
  expect(g == std::vector<double>{-400, 200});
  make_zero(dx);
  gradient_into(Reverse, dx, rosenbrock_inp, {1.0, 2.0});
  std::printf("gradient_into(Reverse, dx, rosenbrock_inp, {1.0, 2.0}) -> dx = (%g, %g)\n", dx[0], dx[1]);
  expect(dx == std::vector<double>{-400, 200});

  // With the tape, arithmetic builds expressions: a container of results names its scalar type.
  auto foo = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::array<S, 2>{rosenbrock_inp(v), v[0] * v[1]};
  };
  const auto J = jacobian(Reverse, foo, {1.0, 2.0}, output_size<2>, chunk<2>);
  std::printf("jacobian(Reverse, foo, {1.0, 2.0}, output_size<2>, chunk<2>) -> [[%g, %g], [%g, %g]]\n", J(0, 0),
              J(0, 1), J(1, 0), J(1, 1));
  expect(J(0, 0) == -400 && J(0, 1) == 200 && J(1, 0) == 2 && J(1, 1) == 1);

  if (failures) std::printf("%d value(s) differ from the seed's\n", failures);
  return failures ? 1 : 0;
}
