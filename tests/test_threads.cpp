// Threads recording at once (run under ThreadSanitizer by scripts/test): each thread's Recording scope sets its own
// current tape; nothing is shared. parallel_gradient, and a split tape swept on another thread than it was recorded.
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

// A least-squares sum over data: the gradient with 1, 2 and 3 threads equals the serial one.
TEST(Threads, ParallelGradientEqualsSerial) {
  std::vector<double> t(5000), y(5000);
  for (std::size_t i = 0; i < t.size(); ++i) {
    t[i] = 0.001 * static_cast<double>(i);
    y[i] = 2.0 * std::exp(-0.7 * t[i]) + 0.01 * std::sin(37.0 * t[i]);
  }
  auto term = [&](const auto& x, std::size_t i) {
    using std::exp;
    using S = std::decay_t<decltype(x[0])>;
    S r = x[0] * exp(-x[1] * t[i]) - y[i];
    S sq = r * r;
    return sq;
  };
  const std::vector<double> x{1.5, 0.4};
  const auto serial = kinase::gradient(
      kinase::ReverseWithPrimal,
      [&](const auto& v) {
        using S = std::decay_t<decltype(v[0])>;
        S s = 0.0;
        for (std::size_t i = 0; i < t.size(); ++i) s += term(v, i);
        return s;
      },
      x);
  for (std::size_t threads : {1u, 2u, 3u}) {
    const auto par = kinase::parallel_gradient(term, x, t.size(), threads);
    EXPECT_NEAR(par.primal, serial.primal, 1e-12 * serial.primal);
    for (std::size_t k = 0; k < 2; ++k)
      EXPECT_NEAR(par.derivative[k], serial.derivative[k], 1e-12 * (1 + std::abs(serial.derivative[k])));
  }
  // A term's error on a worker thread reaches the caller.
  auto failing = [&](const auto& v, std::size_t i) {
    if (i == 4000) throw kinase::Error("term 4000 failed");
    return term(v, i);
  };
  EXPECT_THROW(kinase::parallel_gradient(failing, x, t.size(), 2), kinase::Error);
  // And the thread's workspace is clean afterwards.
  const auto again = kinase::parallel_gradient(term, x, t.size(), 2);
  EXPECT_NEAR(again.derivative[0], serial.derivative[0], 1e-12 * (1 + std::abs(serial.derivative[0])));
}

TEST(Threads, SplitTapeSweptOnAnotherThread) {
  auto aug = kinase::augmented_primal([](auto& a) { return a * a * a; }, kinase::Active(2.0));
  double d = 0;
  std::thread worker([&] { d = kinase::reverse(aug.tape, 1.0).derivatives[0]; });
  worker.join();
  EXPECT_DOUBLE_EQ(d, 12.0);
}

}  // namespace
