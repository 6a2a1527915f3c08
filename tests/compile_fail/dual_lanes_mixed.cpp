// expect: an operation mixes Dual numbers of different lane counts or scalar types
#include <kinase/kinase.hpp>
int main() {
  kinase::Dual<double, 1> a(1.0);
  kinase::Dual<double, 2> b(2.0);
  auto c = a * b;
  (void)c;
}
