// expect: the function returns a type Kinase cannot read derivatives from
#include <kinase/kinase.hpp>
int main() {
  // The result is a Dual of another lane count: with DuplicatedNoNeed only its tangent is read, and that must not
  // silently give 0.
  auto f = [](auto x) { return kinase::Dual<double, 3>(kinase::base_value(x)); };
  kinase::autodiff(kinase::Forward, f, kinase::DuplicatedNoNeed{}, kinase::Duplicated(2.0, 1.0));
}
