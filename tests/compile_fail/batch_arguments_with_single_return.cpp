// expect: BatchDuplicated arguments need a BatchDuplicated or BatchDuplicatedNoNeed return activity
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::BatchDuplicated(2.0, {1.0, 0.0}));
}
