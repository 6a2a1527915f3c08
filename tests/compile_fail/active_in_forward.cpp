// expect: Active(x) is for reverse mode
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::Active(2.0));
}
