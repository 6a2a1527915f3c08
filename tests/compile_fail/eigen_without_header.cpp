// expect: and needs #include <kinase/eigen.hpp>
#include <Eigen/Core>
#include <kinase/kinase.hpp>
int main() {
  auto f = [](const auto& v) { return v(0) * v(1); };
  Eigen::Vector2d x(1.0, 2.0), dx(1.0, 0.0);
  kinase::autodiff(kinase::Forward, f, kinase::Duplicated{}, kinase::Duplicated(x, dx));
}
