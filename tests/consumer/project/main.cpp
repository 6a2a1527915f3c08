#include <iostream>
#include <kinase/kinase.hpp>

int main() {
  auto rosenbrock = [](auto x, auto y) { return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x); };
  auto r = kinase::autodiff(kinase::Forward, rosenbrock, kinase::Duplicated{}, kinase::Duplicated(1.0, 1.0),
                            kinase::Const(3.0));
  std::cout << r.primal << ' ' << r.derivative << '\n';
}
