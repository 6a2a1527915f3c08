// expect: BatchDuplicated is for forward mode
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Reverse, f, kinase::Active{}, kinase::BatchDuplicated(2.0, {1.0, 0.0}));
}
