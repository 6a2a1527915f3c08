// expect: every BatchDuplicated argument must have the same number of shadows (lanes)
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x, auto y) { return x * y; };
  kinase::autodiff(kinase::Forward, f, kinase::BatchDuplicated{}, kinase::BatchDuplicated(1.0, {1.0, 0.0}),
                   kinase::BatchDuplicated(2.0, {0.0, 1.0, 0.0}));
}
