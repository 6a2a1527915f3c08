// expect: kinase::chunk<K>: the chunk size K must be at least 1
#include <kinase/kinase.hpp>
#include <vector>
int main() {
  auto f = [](const auto& v) { return v[0] * v[1]; };
  kinase::gradient(kinase::Forward, f, std::vector<double>{1.0, 2.0}, kinase::chunk<0>);
}
