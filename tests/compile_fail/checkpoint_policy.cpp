// expect: the policy must be kinase::revolve(snapshots) or kinase::every(k)
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  std::vector<double> u{1.0};
  kinase::checkpointed_loop(
      3, u, [](auto w, std::size_t) { w[0] = w[0] * 2.0; }, 5);
}
