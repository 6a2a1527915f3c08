// B6 (issue 6): matrix-level rules against scalar taping, on the gradient with respect to A of
//   f(A) = log det(AᵀA + I) + ‖A x − b‖²,   A: n×n, n = 200 (100 with --quick).
// The objective is written twice, generically:
//   kinase-matrix-rules  kinase::linalg's rules (transpose, matmul, log_determinant, dot): one tape entry each,
//                        evaluated by Eigen on doubles;
//   kinase-scalar-tape   the same mathematics on Eigen matrices of Kinase's Real (the product by Eigen, the log
//                        determinant by a Cholesky factorization written as loops): one tape statement per scalar
//                        assignment, as an operator-overloading tool records it;
//   manual               the gradient by hand, 2 A (AᵀA + I)⁻¹ + 2 (A x − b) xᵀ, the floor.
// The primal is the double computation (Eigen's product and LU). Every gradient must match the hand-written one to
// 1e-9 (relative), or nothing is timed. Extra columns: each tape's bytes and statements.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <cstdio>
#include <kinase/kinase.hpp>
#include <kinase/linalg.hpp>
#include <string>
#include <vector>

#include "harness.hpp"

namespace {

namespace la = kinase::linalg;
namespace bench = kinase::bench;
using Eigen::Index;

struct Problem {
  Index n;
  Eigen::VectorXd x, b;
  std::vector<double> a;  // A, column-major
};

Problem make_problem(Index n) {
  Problem p{n, Eigen::VectorXd(n), Eigen::VectorXd(n), std::vector<double>(std::size_t(n * n))};
  for (Index i = 0; i < n; ++i) {
    p.x(i) = std::cos(0.37 * double(i));
    p.b(i) = std::sin(0.11 * double(i) + 0.5);
  }
  for (std::size_t k = 0; k < p.a.size(); ++k) p.a[k] = std::sin(0.7 * double(k) + 0.3) / std::sqrt(double(n));
  return p;
}

template <class S>
la::MatrixX<S> as_matrix(const std::vector<S>& a, Index n) {
  la::MatrixX<S> A(n, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < n; ++i) A(i, j) = a[std::size_t(j * n + i)];
  return A;
}

/// With the matrix rules. A is a view of the input vector (a packed Map: the rules read it in place).
template <class V>
auto f_rules(const V& a, const Problem& p) {
  using S = std::remove_cvref_t<decltype(a[0])>;
  const Eigen::Map<const la::MatrixX<S>> A(a.data(), p.n, p.n);
  la::MatrixX<S> M = la::matmul(la::transpose(A), A);
  for (Index i = 0; i < p.n; ++i) M(i, i) += 1.0;
  const la::VectorX<S> xs = p.x.cast<S>(), bs = p.b.cast<S>();
  la::VectorX<S> r = la::matmul(A, xs);
  r -= bs;
  S value = la::log_determinant(M) + la::dot(r, r);
  return value;
}

/// Scalar by scalar: Eigen's product on Reals, and log det by a Cholesky factorization in loops.
template <class V>
auto f_scalar(const V& a, const Problem& p) {
  using S = std::remove_cvref_t<decltype(a[0])>;
  using std::log;
  using std::sqrt;
  const la::MatrixX<S> A = as_matrix(a, p.n);
  la::MatrixX<S> M = A.transpose() * A;
  for (Index i = 0; i < p.n; ++i) M(i, i) += 1.0;
  const Index n = p.n;
  la::MatrixX<S> L = la::MatrixX<S>::Zero(n, n);
  S logdet = 0.0;
  for (Index j = 0; j < n; ++j) {
    S d = M(j, j);
    for (Index k = 0; k < j; ++k) d -= L(j, k) * L(j, k);
    L(j, j) = sqrt(d);
    logdet += 2.0 * log(L(j, j));
    for (Index i = j + 1; i < n; ++i) {
      S s = M(i, j);
      for (Index k = 0; k < j; ++k) s -= L(i, k) * L(j, k);
      L(i, j) = s / L(j, j);
    }
  }
  S norm2 = 0.0;
  for (Index i = 0; i < n; ++i) {
    S ri = -p.b(i);
    for (Index k = 0; k < n; ++k) ri += A(i, k) * p.x(k);
    norm2 += ri * ri;
  }
  S value = logdet + norm2;
  return value;
}

double primal(const std::vector<double>& a, const Problem& p) {
  const Eigen::Map<const Eigen::MatrixXd> A(a.data(), p.n, p.n);
  Eigen::MatrixXd M = A.transpose() * A;
  M.diagonal().array() += 1.0;
  const Eigen::PartialPivLU<Eigen::MatrixXd> lu(M);
  double logdet = 0;
  for (Index i = 0; i < p.n; ++i) logdet += std::log(std::abs(lu.matrixLU()(i, i)));
  return logdet + (A * p.x - p.b).squaredNorm();
}

void manual_gradient(const std::vector<double>& a, const Problem& p, std::vector<double>& g) {
  const Eigen::Map<const Eigen::MatrixXd> A(a.data(), p.n, p.n);
  Eigen::MatrixXd M = A.transpose() * A;
  M.diagonal().array() += 1.0;
  const Eigen::LLT<Eigen::MatrixXd> llt(M);
  Eigen::Map<Eigen::MatrixXd> G(g.data(), p.n, p.n);
  G.noalias() = 2.0 * llt.solve(A.transpose()).transpose();  // 2 A M⁻¹ (M symmetric)
  G.noalias() += 2.0 * (A * p.x - p.b) * p.x.transpose();
}

template <class F>
kinase::TapeStats tape_of(F f, const std::vector<double>& a) {
  kinase::Tape<double> tape;
  std::vector<kinase::Real<double>> v(a.begin(), a.end());
  {
    kinase::Recording<double> recording(tape);
    for (auto& e : v) tape.register_input(e);
    const kinase::Real<double> r = f(v);
    (void)r;
  }
  return tape.stats();
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Options options = bench::parse_options(argc, argv, "bench/results/b6.json");
  const bench::Settings settings = bench::settings_for(options);
  const Index n = options.quick ? 100 : 200;
  const Problem p = make_problem(n);
  std::printf("# B6: gradient of log det(AᵀA + I) + ‖Ax − b‖² with respect to A (%ld×%ld), compiler %s\n", long(n),
              long(n), __VERSION__);

  auto rules = [&p](const auto& a) { return f_rules(a, p); };
  auto scalar = [&p](const auto& a) { return f_scalar(a, p); };
  const std::size_t m = p.a.size();
  std::vector<double> want(m), g_rules(m), g_scalar(m), g_manual(m);
  manual_gradient(p.a, p, want);
  double worst = 0;
  const auto agrees = [&](const char* tool, const std::vector<double>& got, double value) {
    if (std::abs(value - primal(p.a, p)) > 1e-9 * (1 + std::abs(value))) {
      std::fprintf(stderr, "%s: objective %.17g differs from the primal %.17g\n", tool, value, primal(p.a, p));
      return false;
    }
    for (std::size_t k = 0; k < m; ++k) {
      const double err = std::abs(got[k] - want[k]) / std::max(1.0, std::abs(want[k]));
      worst = std::max(worst, err);
      if (!(err <= 1e-9)) {
        std::fprintf(stderr, "%s: gradient[%zu] = %.17g, expected %.17g\n", tool, k, got[k], want[k]);
        return false;
      }
    }
    return true;
  };
  kinase::gradient_into(kinase::Reverse, g_rules, rules, p.a);
  kinase::gradient_into(kinase::Reverse, g_scalar, scalar, p.a);
  if (!agrees("kinase-matrix-rules", g_rules, f_rules(p.a, p)) ||
      !agrees("kinase-scalar-tape", g_scalar, f_scalar(p.a, p)))
    return 1;
  std::printf("# both gradients match the hand-written one to %.1e (relative)\n", worst);
  const kinase::TapeStats rules_tape = tape_of(rules, p.a), scalar_tape = tape_of(scalar, p.a);

  double sink = 0;
  std::vector<bench::Case> cases;
  cases.push_back({"primal", [&](std::size_t k) {
                     for (std::size_t i = 0; i < k; ++i) sink += primal(p.a, p);
                     bench::escape(&sink);
                   }});
  cases.push_back({"kinase-matrix-rules", [&](std::size_t k) {
                     for (std::size_t i = 0; i < k; ++i) kinase::gradient_into(kinase::Reverse, g_rules, rules, p.a);
                     bench::escape(g_rules.data());
                   }});
  cases.push_back({"kinase-scalar-tape", [&](std::size_t k) {
                     for (std::size_t i = 0; i < k; ++i) kinase::gradient_into(kinase::Reverse, g_scalar, scalar, p.a);
                     bench::escape(g_scalar.data());
                   }});
  cases.push_back({"manual", [&](std::size_t k) {
                     for (std::size_t i = 0; i < k; ++i) manual_gradient(p.a, p, g_manual);
                     bench::escape(g_manual.data());
                   }});
  std::printf("# median ns per evaluation over %d interleaved rounds of >= %.1f ms batches\n", settings.rounds,
              settings.batch_ns * 1e-6);
  const std::vector<double> ns = bench::measure_interleaved(cases, settings);
  std::vector<bench::Row> rows;
  const std::string name = "b6_logdet_lsq_n" + std::to_string(n);
  for (std::size_t t = 1; t < cases.size(); ++t) {
    bench::Row row = bench::make_row(name, cases[t].name, ns[0], ns[t]);
    const kinase::TapeStats* s = cases[t].name == "kinase-matrix-rules"  ? &rules_tape
                                 : cases[t].name == "kinase-scalar-tape" ? &scalar_tape
                                                                         : nullptr;
    if (s != nullptr) {
      row.extra.emplace_back("tape_MB", double(s->bytes_used) / (1 << 20));
      row.extra.emplace_back("statements", double(s->statements));
      row.extra.emplace_back("callbacks", double(s->callbacks));
    }
    rows.push_back(std::move(row));
  }
  bench::print_table(rows);
  std::printf("# matrix rules / scalar taping: time %.3f, tape bytes %.4f\n", ns[1] / ns[2],
              double(rules_tape.bytes_used) / double(scalar_tape.bytes_used));
  return bench::write_json(options.json_path, rows) ? 0 : 1;
}
