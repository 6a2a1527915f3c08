// expect: kinase::gradient: the function must return a scalar
#include <array>
#include <kinase/kinase.hpp>
int main() {
  auto f = [](const auto& v) { return std::array{v[0], v[1]}; };
  kinase::gradient(kinase::Forward, f, {1.0, 2.0});
}
