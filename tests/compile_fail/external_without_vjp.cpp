// expect: reverse mode through an external function needs its vjp
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto half = kinase::external("half", [](auto x, auto y) { y[0] = x[0] / 2; });
  auto f = [&](const auto& v) { return kinase::call(half, v, 1)[0]; };
  kinase::gradient(kinase::Reverse, f, std::vector<double>{1.0});
}
