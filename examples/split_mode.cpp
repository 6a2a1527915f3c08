// Split mode: kinase::augmented_primal records the function once and returns the primal with a tape the caller
// owns; kinase::reverse sweeps that tape later, here twice with two seeds. Each result is compared with a one-shot
// autodiff(Reverse, ...) call. A released tape cannot be swept: reverse throws kinase::Error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <type_traits>
#include <vector>

// f(a, v, c) = c · a · Σ vᵢ² + sin(a · v₀ · v₁)
auto f = [](auto a, const auto& v, double c) {
  using S = std::decay_t<decltype(v[0])>;
  using std::sin;
  S s = 0;
  for (const auto& vi : v) s += vi * vi;
  S r = c * a * s + sin(a * v[0] * v[1]);
  return r;
};

int failures = 0;
void check(const char* what, double got, double want) {
  if (std::abs(got - want) > 1e-14 * std::max(1.0, std::abs(want))) {
    std::printf("MISMATCH %s: %.17g, expected %.17g\n", what, got, want);
    ++failures;
  }
}

int main() {
  const double a = 0.7, c = 1.5;
  std::vector<double> v{0.4, -1.2, 2.0}, dv(3, 0.0);

  // The forward pass: one recording, the primal now.
  auto aug = kinase::augmented_primal(f, kinase::Active(a), kinase::Duplicated(v, dv), kinase::Const(c));
  std::printf("primal %.15f (plain call: %.15f), tape: %zu statements, %zu bytes\n", aug.primal, f(a, v, c),
              aug.tape.stats().statements, aug.tape.stats().bytes_used);
  check("primal", aug.primal, f(a, v, c));

  // The reference: one-shot reverse mode (seed 1).
  std::vector<double> dv_ref(3, 0.0);
  const auto ref = kinase::autodiff(kinase::Reverse, f, kinase::Active{}, kinase::Active(a),
                                    kinase::Duplicated(v, dv_ref), kinase::Const(c));

  // The reverse pass, any number of times. Each call returns seed · ∂f/∂a and adds seed · ∇ᵥf into dv.
  for (const double seed : {1.0, -2.5}) {
    kinase::make_zero(dv);
    const auto r = kinase::reverse(aug.tape, seed);
    std::printf("seed %4.1f: df/da = %.15f, dv = (%.15f, %.15f, %.15f)\n", seed, r.derivatives[0], dv[0], dv[1], dv[2]);
    check("df/da", r.derivatives[0], seed * ref.derivatives[0]);
    for (int i = 0; i < 3; ++i) check("dv", dv[i], seed * dv_ref[i]);
  }
  std::printf("one-shot:   df/da = %.15f, dv = (%.15f, %.15f, %.15f)\n", ref.derivatives[0], dv_ref[0], dv_ref[1],
              dv_ref[2]);

  // Without make_zero the shadow accumulates, as with autodiff(Reverse, ...).
  kinase::reverse(aug.tape, 1.0);
  for (int i = 0; i < 3; ++i) check("accumulated dv", dv[i], -1.5 * dv_ref[i]);

  // Releasing frees the recording; a later sweep is an error.
  aug.tape.release();
  std::printf("released: %s\n", aug.tape.released() ? "yes" : "no");
  try {
    kinase::reverse(aug.tape, 1.0);
    std::printf("MISMATCH: reverse on a released tape did not throw\n");
    ++failures;
  } catch (const kinase::Error& e) {
    std::printf("reverse after release() throws kinase::Error: %s\n", e.what());
  }

  if (failures) std::printf("%d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
