// expect: in reverse mode the return activity is Active{} (its adjoint is seeded with 1) or Const{}
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Reverse, f, kinase::Duplicated{}, kinase::Active(2.0));
}
