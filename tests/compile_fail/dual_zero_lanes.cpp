// expect: kinase::Dual<T, N>: the number of lanes N must be at least 1
#include <kinase/kinase.hpp>
int main() {
  kinase::Dual<double, 0> x;
  (void)x;
}
