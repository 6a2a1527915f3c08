// A Jacobian of an Eigen function by 3-lane forward mode: the polar-to-Cartesian map (r, θ, φ) → (x, y, z).
#include <Eigen/Dense>
#include <cmath>
#include <iostream>
#include <kinase/eigen.hpp>
#include <kinase/kinase.hpp>

template <class S>
Eigen::Vector3<S> spherical_to_cartesian(const Eigen::Vector3<S>& p) {
  using std::cos, std::sin;
  const S& r = p(0);
  const S& theta = p(1);
  const S& phi = p(2);
  return {r * sin(theta) * cos(phi), r * sin(theta) * sin(phi), r * cos(theta)};
}

int main() {
  const Eigen::Vector3d p(2.0, 0.5, 1.0);
  const Eigen::MatrixXd J = kinase::to_eigen(kinase::jacobian(
      kinase::Forward, [](const auto& v) { return spherical_to_cartesian(v); }, p, kinase::chunk<3>));
  std::cout << "J =\n" << J << '\n';
  // det J = r² sin θ for this map.
  const double expected = 4.0 * std::sin(0.5);
  std::cout << "det J = " << J.determinant() << " (r² sin θ = " << expected << ")\n";
  return std::abs(J.determinant() - expected) < 1e-12 ? 0 : 1;
}
