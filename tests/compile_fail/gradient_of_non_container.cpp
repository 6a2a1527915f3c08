// expect: the input must be a container of numbers
#include <kinase/kinase.hpp>
int main() {
  auto f = [](auto x) { return x * x; };
  kinase::gradient(kinase::Forward, f, 2.0);
}
