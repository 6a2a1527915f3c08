// expect: the third argument is the return activity, written without a value
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated(2.0, 1.0));
}
