// expect: an Eigen argument must be a plain Eigen::Matrix or Eigen::Array (not a Map, Ref, Block or expression)
#include <Eigen/Core>
#include <kinase/eigen.hpp>
#include <kinase/kinase.hpp>
int main() {
  auto f = [](const auto& v) { return v(0) * v(1); };
  double data[2] = {1.0, 2.0};
  Eigen::Map<Eigen::Vector2d> x(data);
  kinase::gradient(kinase::Forward, f, x);
}
