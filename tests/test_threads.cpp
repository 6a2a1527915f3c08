// Two threads record on two tapes at once (run under ThreadSanitizer by scripts/test): each thread's Recording
// scope sets its own current tape; nothing is shared.
#include <gtest/gtest.h>

#include <cmath>
#include <kinase/kinase.hpp>
#include <thread>
#include <vector>

namespace {

double gradient_component(double shift, int repeats) {
  double last = 0;
  for (int r = 0; r < repeats; ++r) {
    std::vector<double> x(64);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = shift + 0.01 * static_cast<double>(i);
    auto f = [](const auto& v) {
      using S = std::decay_t<decltype(v[0])>;
      S s = 0.0;
      for (std::size_t i = 0; i + 1 < v.size(); ++i) s += sin(v[i] * v[i + 1]);
      return s;
    };
    last = kinase::gradient(kinase::Reverse, f, x)[10];
  }
  return last;
}

double expected_component(double shift) {
  const double a = shift + 0.09, b = shift + 0.10, c = shift + 0.11;
  return std::cos(a * b) * a + std::cos(b * c) * c;
}

TEST(Threads, TwoTapesRecordAtOnce) {
  double g1 = 0, g2 = 0;
  std::thread t1([&] { g1 = gradient_component(0.5, 200); });
  std::thread t2([&] { g2 = gradient_component(-1.5, 200); });
  t1.join();
  t2.join();
  EXPECT_NEAR(g1, expected_component(0.5), 1e-12);
  EXPECT_NEAR(g2, expected_component(-1.5), 1e-12);
}

TEST(Threads, ExplicitTapesOnTwoThreads) {
  auto work = [](double x0, double& out) {
    kinase::Tape<double> tape;
    kinase::Real<double> x = x0;
    kinase::Recording<double> recording(tape);
    tape.register_input(x);
    kinase::Real<double> y = x;
    for (int i = 0; i < 1000; ++i) y = y * 0.999 + sin(x) * 0.001;
    tape.adjoint(y) = 1.0;
    tape.evaluate();
    out = tape.adjoint(x);
  };
  double a = 0, b = 0;
  std::thread t1(work, 0.3, std::ref(a));
  std::thread t2(work, 0.3, std::ref(b));
  t1.join();
  t2.join();
  EXPECT_EQ(a, b);
  EXPECT_GT(a, 0.0);
}

}  // namespace
