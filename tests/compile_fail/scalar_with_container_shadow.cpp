// expect: the shadow of a scalar argument must be a scalar too
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto f = [](auto x) { return x * x; };
  std::vector<double> dx{1.0};
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::Duplicated(2.0, dx));
}
