// expect: the function returns nothing, so the return activity must be Const{}
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto f = [](auto& v) { v[0] = v[0] * v[1]; };
  std::vector<double> x{1.0, 2.0}, dx{1.0, 0.0};
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::Duplicated(x, dx));
}
