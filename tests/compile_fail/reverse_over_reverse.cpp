// expect: reverse mode over reverse mode is not supported
#include <kinase/kinase.hpp>
int main() {
  kinase::Real<kinase::Real<double>> x(1.0);
  (void)x;
}
