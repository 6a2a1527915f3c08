// The README's quick start: the seed's Rosenbrock, its derivative by forward mode, and its gradient.
#include <iostream>
#include <kinase/kinase.hpp>
#include <vector>

int main() {
  // Write the function once, generically: it runs on double and on Kinase's scalar types.
  auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };

  // ∂/∂x at (1, 3), with the primal: the seed's (400, −800).
  auto [value, slope] = kinase::autodiff(kinase::Forward, rosenbrock, kinase::Duplicated{},
                                         kinase::Duplicated(1.0, 1.0), kinase::Const(3.0));
  std::cout << "rosenbrock(1, 3) = " << value << ", d/dx = " << slope << '\n';

  // The whole gradient of the vector form at (1, 2).
  auto rosenbrock_inp = [&](const auto& v) { return rosenbrock(v[0], v[1]); };
  std::vector<double> g = kinase::gradient(kinase::Forward, rosenbrock_inp, {1.0, 2.0});
  std::vector<double> h = kinase::gradient(kinase::Reverse, rosenbrock_inp, {1.0, 2.0});
  std::cout << "gradient at (1, 2) = (" << g[0] << ", " << g[1] << "), by reverse mode (" << h[0] << ", " << h[1]
            << ")\n";
  return value == 400 && slope == -800 && g == std::vector<double>{-400, 200} && h == g ? 0 : 1;
}
