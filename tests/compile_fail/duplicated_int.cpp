// expect: an active argument (Duplicated, BatchDuplicated) must hold floating-point values
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::Duplicated(1, 1));
}
