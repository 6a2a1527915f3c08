// expect: an operation mixes Duals of two different differentiation calls (perturbation confusion)
#include <kinase/kinase.hpp>
int main() {
  // d/dx [x · d/dy (x + y)]: the inner call captures the outer Dual x. Without per-call tags the inner derivative
  // would silently count x's tangent too; with them the mix does not compile.
  auto outer = [](auto x) {
    auto inner = [&](auto y) { return x + y; };
    return x * kinase::autodiff(kinase::Forward, inner, kinase::DuplicatedNoNeed{}, kinase::Duplicated(1.0, 1.0))
                   .derivative;
  };
  kinase::autodiff(kinase::Forward, outer, kinase::Duplicated{}, kinase::Duplicated(2.0, 1.0));
}
