// expect: in reverse mode a scalar argument is Active(x)
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Reverse, f, kinase::Active{}, kinase::Duplicated(2.0, 1.0));
}
