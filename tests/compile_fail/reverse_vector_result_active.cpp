// expect: an Active return needs a scalar result
#include <array>
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto f = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::array<S, 2>{v[0], v[1]};
  };
  std::vector<double> x{1.0, 2.0}, dx{0.0, 0.0};
  kinase::autodiff(kinase::Reverse, f, kinase::Active{}, kinase::Duplicated(x, dx));
}
