// expect: write them as templates (auto parameters)
#include <kinase/kinase.hpp>
#include <span>
#include <vector>
int main() {
  auto half = kinase::external("half", [](std::span<const double> x, std::span<double> y) { y[0] = x[0] / 2; })
                  .with_jvp([](std::span<const double>, std::span<const double>, std::span<const double> dx,
                               std::span<double> dy) { dy[0] = dx[0] / 2; })
                  .with_vjp([](std::span<const double>, std::span<const double>, std::span<const double> yb,
                               std::span<double> xb) { xb[0] = yb[0] / 2; });
  auto f = [&](const auto& v) { return kinase::call(half, v, 1)[0] * v[0]; };
  kinase::hessian(f, std::vector<double>{1.0});
}
