// expect: Active(x) is for scalars
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto f = [](const auto& v) { return v[0] * v[1]; };
  kinase::autodiff(kinase::Reverse, f, kinase::Active{}, kinase::Active(std::vector<double>{1.0, 2.0}));
}
