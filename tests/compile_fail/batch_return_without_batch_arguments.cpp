// expect: a BatchDuplicated return activity needs BatchDuplicated arguments
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Forward, f, kinase::BatchDuplicated{}, kinase::Duplicated(2.0, 1.0));
}
