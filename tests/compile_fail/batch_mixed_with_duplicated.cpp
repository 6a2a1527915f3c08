// expect: Duplicated and BatchDuplicated arguments cannot be mixed in one call
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x, auto y) { return x * y; };
  kinase::autodiff(kinase::Forward, f, kinase::BatchDuplicated{}, kinase::BatchDuplicated(1.0, {1.0, 0.0}),
                   kinase::Duplicated(2.0, 1.0));
}
