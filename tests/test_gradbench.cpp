// Scenario: kinase-gradbench, Kinase as a GradBench tool (bench/gradbench). Recorded sessions under
// tests/data/gradbench, one message a line exactly as GradBench's evals send them, are played through
// kinase::gradbench::Session, and the responses are checked:
//   - the protocol: one response per message with its id, "tool" for start, success for define, output and one
//     "evaluate" timing per run (at least min_runs, and min_seconds honoured) for evaluate, the id alone for analysis;
//   - gmm, ba, ht and lstm against ADBench's reference outputs (KINASE_ADBENCH_DIR/expected), to ADBench's measure
//     |a − b| / max(1, |a| + |b|) ≤ 1e-8: the sessions hold ADBench's developer instances (gmm/test.txt,
//     ba/test.txt, hand/test.txt, hand/hand_complicated.txt, lstm/lstm_l2_c1024.txt) converted to GradBench's
//     encodings; gmm's corrected-prior encoding against ADBench's values less the prior's closed form;
//   - hello, llsq, lse, det, ode and kmeans against closed forms, and ode and gmm against finite differences;
//   - saddle against the value GradBench's eval expects;
//   - the memory-bounding splits (gmm over chunks of points, det over groups of terms, ode over taped segments)
//     against the unsplit results;
//   - errors (errors.jsonl): malformed JSON, a message that is not an object or has no id or kind, unknown kinds,
//     modules and functions, missing fields, wrong types, wrong sizes and impossible values each get success false
//     and an error naming what was wrong, never a crash; and every prefix of every small session's lines too.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "adbench/ba_io.hpp"
#include "adbench/gmm_io.hpp"
#include "adbench/hand_io.hpp"
#include "adbench/lstm_io.hpp"
#include "adbench_testing.hpp"
#include "gradbench/gradbench.hpp"

namespace {

namespace gb = kinase::gradbench;
namespace ad = kinase::adbench;
using Json = gb::Json;
using kinase::testing::expect_close;
constexpr double kTolerance = kinase::testing::kAdbenchTolerance;

#ifdef KINASE_ADBENCH_DIR
const std::filesystem::path kAdbench = KINASE_ADBENCH_DIR;
#endif

#define REQUIRE_SOURCE_DIR()                                                                           \
  do {                                                                                                 \
    if (!source_dir_known()) GTEST_SKIP() << "KINASE_SOURCE_DIR is not defined: no recorded sessions"; \
  } while (0)

#ifdef KINASE_ADBENCH_DIR
#define REQUIRE_ADBENCH(relative)                                     \
  do {                                                                \
    if (!std::filesystem::exists(kAdbench / (relative)))              \
      GTEST_SKIP() << (relative) << " is missing under " << kAdbench; \
  } while (0)
#else
#define REQUIRE_ADBENCH(relative) GTEST_SKIP() << "KINASE_ADBENCH_DIR is not defined: no ADBench data"
#endif

bool source_dir_known() {
#ifdef KINASE_SOURCE_DIR
  return true;
#else
  return false;
#endif
}

std::filesystem::path session_file(const std::string& name) {
#ifdef KINASE_SOURCE_DIR
  return std::filesystem::path(KINASE_SOURCE_DIR) / "tests" / "data" / "gradbench" / name;
#else
  return name;
#endif
}

/// One message of a recorded session and the response to it. `message` is null for a line that is not JSON.
struct Exchange {
  std::string line;
  Json message;
  Json response;
};

std::vector<std::string> read_lines(const std::string& name) {
  std::ifstream in(session_file(name));
  EXPECT_TRUE(in.good()) << "cannot open " << session_file(name);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Plays a recorded session through a fresh Session, line by line. Every response must be one line of JSON.
std::vector<Exchange> play(const std::string& name, const gb::Options& options = {}) {
  gb::Session session(options);
  std::vector<Exchange> out;
  for (const std::string& line : read_lines(name)) {
    const std::string response = session.respond(line);
    if (response.empty()) continue;
    EXPECT_EQ(response.find('\n'), std::string::npos) << "a response must be a single line";
    Exchange e;
    e.line = line;
    e.message = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (e.message.is_discarded()) e.message = nullptr;
    e.response = Json::parse(response);
    out.push_back(std::move(e));
  }
  return out;
}

/// The response to the message with this id.
const Json& response_to(const std::vector<Exchange>& session, const Json& id) {
  for (const Exchange& e : session)
    if (e.message.is_object() && e.message.contains("id") && e.message["id"] == id) return e.response;
  ADD_FAILURE() << "no message with id " << id.dump();
  static const Json none;
  return none;
}

/// The output of a successful evaluate.
const Json& output_of(const std::vector<Exchange>& session, int id) {
  const Json& r = response_to(session, id);
  EXPECT_EQ(r.value("success", false), true) << "message " << id << ": " << r.dump().substr(0, 400);
  static const Json none;
  return r.contains("output") ? r["output"] : none;
}

std::vector<double> numbers(const Json& j) {
  std::vector<double> v;
  if (!j.is_array()) {
    ADD_FAILURE() << "expected an array, got " << j.dump().substr(0, 200);
    return v;
  }
  for (const Json& e : j) v.push_back(e.get<double>());
  return v;
}

/// An array of arrays of numbers, flattened row by row; every row must have `cols` entries.
std::vector<double> rows(const Json& j, std::size_t cols) {
  std::vector<double> v;
  for (const Json& r : j) {
    EXPECT_EQ(r.size(), cols);
    for (const Json& e : r) v.push_back(e.get<double>());
  }
  return v;
}

double number(const Json& j) {
  if (!j.is_number()) {
    ADD_FAILURE() << "expected a number, got " << j.dump().substr(0, 200);
    return std::nan("");
  }
  return j.get<double>();
}

/// The input of the message with this id.
const Json& input_of(const std::vector<Exchange>& session, int id) {
  for (const Exchange& e : session)
    if (e.message.is_object() && e.message.value("id", -1) == id) return e.message["input"];
  ADD_FAILURE() << "no message with id " << id;
  static const Json none;
  return none;
}

/// GradBench's protocol, message by message: the same id back; start names the tool; define succeeds; a successful
/// evaluate has an output and one "evaluate" timing per run, at least min_runs of them; analysis gets the id alone.
void check_protocol(const std::vector<Exchange>& session) {
  for (const Exchange& e : session) {
    ASSERT_TRUE(e.message.is_object()) << e.line.substr(0, 200);
    const Json& r = e.response;
    ASSERT_TRUE(r.is_object());
    EXPECT_EQ(r["id"], e.message["id"]);
    const std::string kind = e.message["kind"];
    if (kind == "start") {
      EXPECT_EQ(r.value("tool", ""), "kinase");
    } else if (kind == "define") {
      EXPECT_EQ(r.value("success", false), true) << r.dump();
    } else if (kind == "evaluate") {
      if (!r.value("success", false)) {
        EXPECT_TRUE(r.contains("error") && r["error"].is_string()) << r.dump();
        continue;
      }
      EXPECT_TRUE(r.contains("output"));
      ASSERT_TRUE(r.contains("timings") && r["timings"].is_array());
      const Json& input = e.message["input"];
      const std::size_t min_runs = input.is_object() ? input.value("min_runs", std::size_t{1}) : 1;
      EXPECT_GE(r["timings"].size(), min_runs);
      for (const Json& t : r["timings"]) {
        EXPECT_EQ(t.value("name", ""), "evaluate");
        EXPECT_TRUE(t["nanoseconds"].is_number_integer());
        EXPECT_GE(t["nanoseconds"].get<std::int64_t>(), 0);
      }
    } else if (kind == "analysis") {
      EXPECT_EQ(r.size(), 1u) << r.dump();
    }
  }
}

/// Relative agreement for values that have no ADBench reference (closed forms, split against unsplit).
void expect_near_all(const std::vector<double>& got, const std::vector<double>& want, double tolerance,
                     const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tolerance * (1.0 + std::abs(want[i]))) << what << "[" << i << "]";
}

// --- the protocol ----------------------------------------------------------------------------------------------------

TEST(GradbenchProtocol, EverySessionFollowsTheProtocol) {
  REQUIRE_SOURCE_DIR();
  for (const char* name : {"hello.jsonl", "gmm.jsonl", "ba.jsonl", "ht.jsonl", "lstm.jsonl", "llsq.jsonl", "lse.jsonl",
                           "det.jsonl", "ode.jsonl", "kmeans.jsonl", "saddle.jsonl"}) {
    SCOPED_TRACE(name);
    const std::vector<Exchange> session = play(name);
    EXPECT_EQ(session.size(), read_lines(name).size());
    check_protocol(session);
  }
}

TEST(GradbenchProtocol, RunsAtLeastMinRunsAndForMinSeconds) {
  gb::Session session;
  const Json three = Json::parse(session.respond(
      R"({"id": 1, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": [1, 2], "min_runs": 3}})"));
  ASSERT_TRUE(three["success"].get<bool>()) << three.dump();
  EXPECT_EQ(three["timings"].size(), 3u);
  const Json timed = Json::parse(session.respond(
      R"({"id": 2, "kind": "evaluate", "module": "lse", "function": "primal",
          "input": {"x": [1, 2], "min_runs": 1, "min_seconds": 0.02}})"));
  ASSERT_TRUE(timed["success"].get<bool>()) << timed.dump();
  std::int64_t total = 0;
  for (const Json& t : timed["timings"]) total += t["nanoseconds"].get<std::int64_t>();
  EXPECT_GE(total, 20'000'000);
  // Older kmeans evals wrote "runs" for "min_runs".
  const Json runs = Json::parse(session.respond(
      R"({"id": 3, "kind": "evaluate", "module": "kmeans", "function": "cost",
          "input": {"points": [[0, 0]], "centroids": [[1, 1]], "runs": 2}})"));
  EXPECT_EQ(runs["timings"].size(), 2u) << runs.dump();
  EXPECT_EQ(runs["output"].get<double>(), 2.0);
}

TEST(GradbenchProtocol, BlankLinesAreNoMessages) {
  gb::Session session;
  EXPECT_EQ(session.respond(""), "");
  EXPECT_EQ(session.respond("  \t\r"), "");
}

TEST(GradbenchProtocol, IdsAreEchoedAsGiven) {
  gb::Session session;
  EXPECT_EQ(Json::parse(session.respond(R"({"id": "a7", "kind": "start"})"))["id"], "a7");
  EXPECT_EQ(Json::parse(session.respond(R"({"id": 12345678901, "kind": "analysis", "of": 1, "valid": true})")),
            Json::parse(R"({"id": 12345678901})"));
}

// --- errors
// -----------------------------------------------------------------------------------------------------------

TEST(GradbenchErrors, EveryMalformedMessageGetsAnErrorNamingTheProblem) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("errors.jsonl");
  // Line by line: the id the response must carry and a phrase its error must contain.
  const std::vector<std::pair<Json, std::string>> expected = {
      {0, ""},  // start
      {nullptr, "malformed JSON"},
      {nullptr, "must be a JSON object, got an array"},
      {nullptr, "has no 'id'"},
      {4, "has no 'kind'"},
      {5, "'kind' must be a string"},
      {6, "unknown message kind 'launch'"},
      {7, "module 'nonexistent' is not implemented"},
      {8, "has no 'module'"},
      {9, "unknown module 'nonexistent'"},
      {10, "module 'gmm' has no function 'hessian' (it has objective, jacobian)"},
      {11, "has no 'input'"},
      {12, "input: missing field 'n'"},
      {13, "input.n: expected an integer, got a string"},
      {14, "input.n: expected an integer at least 2, got 1"},
      {15, "input.A: expected ell² = 4 numbers, got 3"},
      {16, "input.cam: expected 11 numbers, got 10"},
      {17, "input.main_params: expected an even, positive number of rows"},
      {18, "input: missing field 'means'"},
      {19, "input.centroids[1]: no point is nearest to this centroid"},
      {20, "input.min_runs: expected an integer at least 1, got 0"},
      {21, "input: expected a number, got a string"},
      {22, "input: missing field 'data'"},
      {"abc", "input.l[0][0]: l as a jagged array of rows"},
      {24, "input.s: expected an integer at least 0, got -1"},
      {25, "reverse mode nested inside reverse mode is not supported"},
      {26, "input.points[1]: expected 2 numbers, got 1"},
      {27, "input.start: expected 2 numbers, got 1"},
      {28, "input.x: expected at least 1 number"},
      {29, "input.ell: expected an integer, got 1.5"},
      {30, "input.min_seconds: expected a number ≥ 0"},
      {31, "input.gamma: expected a number > 0"},
      {nullptr, "malformed JSON"},
      {33, ""},  // analysis
  };
  ASSERT_EQ(session.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Json& r = session[i].response;
    EXPECT_EQ(r["id"], expected[i].first) << "line " << i + 1;
    if (expected[i].second.empty()) continue;
    EXPECT_EQ(r.value("success", true), false) << "line " << i + 1;
    const std::string error = r.value("error", "");
    EXPECT_NE(error.find(expected[i].second), std::string::npos)
        << "line " << i + 1 << ": the error \"" << error << "\" does not contain \"" << expected[i].second << "\"";
  }
}

TEST(GradbenchErrors, TruncatedMessagesNeverCrash) {
  REQUIRE_SOURCE_DIR();
  // Every prefix of every line of the small sessions: a response each time (an error, or the message's answer when
  // the prefix happens to be complete JSON), never an exception or a crash.
  gb::Session session;
  for (const char* name : {"hello.jsonl", "gmm.jsonl", "ba.jsonl", "llsq.jsonl", "lse.jsonl", "det.jsonl", "ode.jsonl",
                           "kmeans.jsonl", "saddle.jsonl", "errors.jsonl"}) {
    for (const std::string& line : read_lines(name)) {
      for (std::size_t cut = 1; cut < line.size(); cut += (line.size() > 400 ? 7 : 1)) {
        const std::string prefix = line.substr(0, cut);
        const std::string r = session.respond(prefix);
        if (prefix.find_first_not_of(" \t\r") == std::string::npos) continue;
        const Json response = Json::parse(r, nullptr, false);
        ASSERT_FALSE(response.is_discarded()) << name << ": " << prefix;
        EXPECT_TRUE(response.is_object() && response.contains("id")) << r;
      }
    }
  }
}

TEST(GradbenchErrors, WrongTypesInsideInputsAreNamed) {
  gb::Session session;
  auto error = [&](const std::string& module, const std::string& function, const std::string& input) {
    const Json r = Json::parse(session.respond(R"({"id": 1, "kind": "evaluate", "module": ")" + module +
                                               R"(", "function": ")" + function + R"(", "input": )" + input + "}"));
    EXPECT_EQ(r.value("success", true), false) << r.dump();
    return r.value("error", "");
  };
  EXPECT_NE(error("lstm", "jacobian",
                  R"({"main_params": [[1, 2, 3, 4], [1, 2, 3, 4]], "extra_params": [[1], [2], [3]],
                      "state": [[0], [0]], "sequence": [[1], [true]]})")
                .find("input.sequence[1][0]: expected a number, got a boolean"),
            std::string::npos);
  EXPECT_NE(error("ba", "jacobian", R"({"n": 0, "m": 1, "p": 1, "cam": [], "x": [], "w": 1, "feat": []})")
                .find("input.n: expected an integer at least 1, got 0"),
            std::string::npos);
  EXPECT_NE(error("gmm", "objective",
                  R"({"d": 2, "k": 1, "n": 2, "alpha": [0], "means": [[0, 0]], "icf": [[0, 0, 0]],
                      "x": [[1, 2]], "gamma": 1, "m": 0})")
                .find("input.x: expected 2 elements, got 1"),
            std::string::npos);
  EXPECT_NE(error("det", "primal", R"({"A": {"a": 1}, "ell": 1})").find("input.A: expected an array of numbers"),
            std::string::npos);
  EXPECT_NE(error("hello", "double", "null").find("input: expected a number, got null"), std::string::npos);
}

// --- hello
// ------------------------------------------------------------------------------------------------------------

TEST(GradbenchHello, SquareAndItsDerivative) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("hello.jsonl");
  for (const Exchange& e : session) {
    if (e.message["kind"] != "evaluate") continue;
    const double x = e.message["input"].get<double>();
    const double want = e.message["function"] == "square" ? x * x : 2.0 * x;
    EXPECT_EQ(number(e.response["output"]), want) << e.line;
  }
}

// --- gmm
// --------------------------------------------------------------------------------------------------------------

/// The Wishart prior P of ADBench's GMM objective and its gradient in closed form (d, k, gamma, m from the input;
/// q and l per component). The corrected-prior encoding is ADBench's objective less 2P.
struct Prior {
  double value = 0;
  std::vector<std::vector<double>> dq, dl;
};

[[maybe_unused]] Prior prior_closed_form(const Json& in) {
  const int d = in["d"], k = in["k"], m = in["m"];
  const double gamma = in["gamma"];
  const double np = d + m + 1;
  double log_gamma_d = 0.25 * d * (d - 1) * std::log(std::numbers::pi);
  for (int j = 1; j <= d; ++j) log_gamma_d += std::lgamma(0.5 * np + 0.5 * (1 - j));
  const double wishart = np * d * (std::log(gamma) - 0.5 * std::log(2.0)) - log_gamma_d;
  Prior p;
  for (int c = 0; c < k; ++c) {
    const std::vector<double> q = numbers(in["q"][c]), l = numbers(in["l"][c]);
    std::vector<double> dq, dl;
    for (double qj : q) {
      p.value += 0.5 * gamma * gamma * std::exp(2 * qj) - m * qj;
      dq.push_back(gamma * gamma * std::exp(2 * qj) - m);
    }
    for (double lj : l) {
      p.value += 0.5 * gamma * gamma * lj * lj;
      dl.push_back(gamma * gamma * lj);
    }
    p.dq.push_back(dq);
    p.dl.push_back(dl);
  }
  p.value -= k * wishart;
  return p;
}

TEST(GradbenchGmm, AdbenchEncodingMatchesAdbench) {
  REQUIRE_SOURCE_DIR();
  REQUIRE_ADBENCH("gmm/test.txt");
#ifdef KINASE_ADBENCH_DIR
  const std::vector<Exchange> session = play("gmm.jsonl");
  const ad::GmmExpected expected = ad::read_gmm_expected(kAdbench, "gmm/test.txt", 18);
  expect_close({number(output_of(session, 2))}, {expected.objective}, kTolerance, "objective");
  expect_close(numbers(output_of(session, 3)), expected.gradient, kTolerance, "jacobian");
#endif
}

TEST(GradbenchGmm, CorrectedPriorEncodingIsAdbenchLessTwicePrior) {
  REQUIRE_SOURCE_DIR();
  REQUIRE_ADBENCH("gmm/test.txt");
#ifdef KINASE_ADBENCH_DIR
  const std::vector<Exchange> session = play("gmm.jsonl");
  const ad::GmmExpected expected = ad::read_gmm_expected(kAdbench, "gmm/test.txt", 18);
  const Json& in = input_of(session, 4);
  const Prior prior = prior_closed_form(in);
  expect_close({number(output_of(session, 4))}, {expected.objective - 2 * prior.value}, kTolerance, "objective");

  // ADBench's gradient is (alpha[k], means[k·d], icf[k·(d + d(d−1)/2)]); the prior adds to q and l only.
  const Json& out = output_of(session, 5);
  const int d = in["d"], k = in["k"];
  const std::size_t t = static_cast<std::size_t>(d * (d + 1) / 2);
  std::vector<double> alpha, mu, q, l, want_alpha, want_mu, want_q, want_l;
  for (int c = 0; c < k; ++c) {
    const std::size_t cc = static_cast<std::size_t>(c), dd = static_cast<std::size_t>(d);
    want_alpha.push_back(expected.gradient[cc]);
    for (std::size_t j = 0; j < dd; ++j)
      want_mu.push_back(expected.gradient[static_cast<std::size_t>(k) + cc * dd + j]);
    const double* icf = expected.gradient.data() + static_cast<std::size_t>(k) * (1 + dd) + cc * t;
    for (std::size_t j = 0; j < dd; ++j) want_q.push_back(icf[j] - 2 * prior.dq[cc][j]);
    for (std::size_t j = dd; j < t; ++j) want_l.push_back(icf[j] - 2 * prior.dl[cc][j - dd]);
  }
  expect_close(numbers(out["alpha"]), want_alpha, kTolerance, "alpha");
  expect_close(rows(out["mu"], static_cast<std::size_t>(d)), want_mu, kTolerance, "mu");
  expect_close(rows(out["q"], static_cast<std::size_t>(d)), want_q, kTolerance, "q");
  expect_close(rows(out["l"], t - static_cast<std::size_t>(d)), want_l, kTolerance, "l");
#endif
}

TEST(GradbenchGmm, JacobianMatchesFiniteDifferencesOfTheObjective) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("gmm.jsonl");
  // The random instance (d = 3, k = 4, n = 6, m = 2, γ = 1.5) in the corrected encoding: central differences of the
  // session's own objective, one independent variable at a time.
  const Json& in = input_of(session, 6);
  const Json& out = output_of(session, 7);
  gb::Session probe;
  auto objective = [&](const Json& input) {
    Json message = {{"id", 0}, {"kind", "evaluate"}, {"module", "gmm"}, {"function", "objective"}, {"input", input}};
    return Json::parse(probe.respond(message.dump()))["output"].get<double>();
  };
  const double h = 1e-6;
  for (const char* field : {"alpha", "mu", "q", "l"}) {
    const Json& grad = out[field];
    for (std::size_t i = 0; i < in[field].size(); ++i) {
      const bool flat = in[field][i].is_number();
      const std::size_t inner = flat ? 1 : in[field][i].size();
      for (std::size_t j = 0; j < inner; ++j) {
        Json plus = in, minus = in;
        double& vp = (flat ? plus[field][i] : plus[field][i][j]).get_ref<double&>();
        double& vm = (flat ? minus[field][i] : minus[field][i][j]).get_ref<double&>();
        vp += h;
        vm -= h;
        const double fd = (objective(plus) - objective(minus)) / (2 * h);
        const double ad_value = flat ? grad[i].get<double>() : grad[i][j].get<double>();
        EXPECT_NEAR(ad_value, fd, 1e-6 * (1 + std::abs(fd))) << field << "[" << i << "][" << j << "]";
      }
    }
  }
}

TEST(GradbenchGmm, ChunkedGradientEqualsWholeGradient) {
  REQUIRE_SOURCE_DIR();
  // A budget of 1 byte puts every point in a chunk of its own (6 recordings for the random instance).
  const std::vector<Exchange> whole = play("gmm.jsonl");
  const std::vector<Exchange> chunked = play("gmm.jsonl", gb::Options{1});
  for (int id : {3, 5, 7}) {
    const Json& a = output_of(whole, id);
    const Json& b = output_of(chunked, id);
    if (a.is_array()) {
      expect_near_all(numbers(b), numbers(a), 1e-12, "gmm jacobian " + std::to_string(id));
      continue;
    }
    for (const char* field : {"alpha", "mu", "q", "l"}) {
      const std::size_t cols = a[field][0].is_array() ? a[field][0].size() : 0;
      const std::vector<double> va = cols ? rows(a[field], cols) : numbers(a[field]);
      const std::vector<double> vb = cols ? rows(b[field], cols) : numbers(b[field]);
      expect_near_all(vb, va, 1e-12, std::string("gmm jacobian ") + field);
    }
  }
}

// --- ba
// ---------------------------------------------------------------------------------------------------------------

TEST(GradbenchBa, CompressedOutputsMatchAdbench) {
  REQUIRE_SOURCE_DIR();
  REQUIRE_ADBENCH("expected/ba/test_J_Manual.txt");
#ifdef KINASE_ADBENCH_DIR
  const std::vector<Exchange> session = play("ba.jsonl");
  const int p = input_of(session, 2)["p"];
  const ad::BaExpectedResiduals residuals = ad::read_ba_expected_residuals(kAdbench / "expected/ba/test_F_Manual.txt");
  const Json& objective = output_of(session, 2);
  expect_close(numbers(objective["reproj_error"]["elements"]), {residuals.reproj_err[0], residuals.reproj_err[1]},
               kTolerance, "reproj_error.elements");
  EXPECT_EQ(objective["reproj_error"]["repeated"], p);
  expect_close({number(objective["w_err"]["element"])}, {residuals.w_err[0]}, kTolerance, "w_err.element");
  EXPECT_EQ(objective["w_err"]["repeated"], p);
  // The repetition GradBench's compression relies on: every observation has the same residuals.
  for (std::size_t i = 0; i < residuals.w_err.size(); ++i) {
    EXPECT_EQ(residuals.reproj_err[2 * i], residuals.reproj_err[0]);
    EXPECT_EQ(residuals.w_err[i], residuals.w_err[0]);
  }

  const ad::BaSparseJacobian full = ad::read_ba_expected_jacobian(kAdbench / "expected/ba/test_J_Manual.txt");
  auto compress = [](auto v) {
    auto out = v;
    out.resize(30);
    out.push_back(v.back());
    return out;
  };
  const Json& jacobian = output_of(session, 3);
  EXPECT_EQ(jacobian["rows"].get<std::vector<int>>(), compress(full.rows));
  EXPECT_EQ(jacobian["cols"].get<std::vector<int>>(), compress(full.cols));
  expect_close(numbers(jacobian["vals"]), compress(full.vals), kTolerance, "vals");
#endif
}

// --- ht
// ---------------------------------------------------------------------------------------------------------------

TEST(GradbenchHt, SimpleAndComplicatedMatchAdbench) {
  REQUIRE_SOURCE_DIR();
  REQUIRE_ADBENCH("expected/hand/hand_complicated_J_Manual.txt");
#ifdef KINASE_ADBENCH_DIR
  const std::vector<Exchange> session = play("ht.jsonl");
  const ad::HandExpected simple = ad::read_hand_expected(kAdbench, "hand/test.txt", 2, 26);
  expect_close(numbers(output_of(session, 2)), simple.residuals, kTolerance, "simple objective");
  const std::vector<double> simple_jacobian(simple.jacobian.data(), simple.jacobian.data() + 6 * 26);
  expect_close(rows(output_of(session, 3), 26), simple_jacobian, kTolerance, "simple jacobian");

  const ad::HandExpected complicated = ad::read_hand_expected(kAdbench, "hand/hand_complicated.txt", 2, 28);
  expect_close(numbers(output_of(session, 4)), complicated.residuals, kTolerance, "complicated objective");
  const std::vector<double> complicated_jacobian(complicated.jacobian.data(), complicated.jacobian.data() + 6 * 28);
  expect_close(rows(output_of(session, 5), 28), complicated_jacobian, kTolerance, "complicated jacobian");
#endif
}

// --- lstm
// -------------------------------------------------------------------------------------------------------------

TEST(GradbenchLstm, MatchesAdbench) {
  REQUIRE_SOURCE_DIR();
  REQUIRE_ADBENCH("expected/lstm/lstm_l2_c1024_J_Manual.txt");
#ifdef KINASE_ADBENCH_DIR
  const std::vector<Exchange> session = play("lstm.jsonl");
  const ad::LstmExpected expected = ad::read_lstm_expected(kAdbench, "lstm/lstm_l2_c1024.txt", 8 * 2 * 14 + 3 * 14);
  expect_close({number(output_of(session, 2))}, {expected.objective}, kTolerance, "objective");
  expect_close(numbers(output_of(session, 3)), expected.gradient, kTolerance, "jacobian");
#endif
}

// --- llsq, lse, det, ode, kmeans: closed forms
// -------------------------------------------------------------------------

TEST(GradbenchLlsq, PrimalAndGradientMatchClosedForms) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("llsq.jsonl");
  const std::vector<double> x = numbers(input_of(session, 2)["x"]);
  const int n = input_of(session, 2)["n"];
  // y = ½ Σ r_i², r_i = s_i − Σ_j x_j t_i^j, so ∂y/∂x_j = −Σ_i r_i t_i^j.
  double y = 0;
  std::vector<double> g(x.size(), 0.0);
  for (int i = 0; i < n; ++i) {
    const double t = -1.0 + 2.0 * i / (n - 1);
    double r = t > 0 ? 1.0 : (t < 0 ? -1.0 : 0.0);
    for (std::size_t j = 0; j < x.size(); ++j) r -= x[j] * std::pow(t, static_cast<double>(j));
    y += 0.5 * r * r;
    for (std::size_t j = 0; j < x.size(); ++j) g[j] -= r * std::pow(t, static_cast<double>(j));
  }
  EXPECT_NEAR(number(output_of(session, 2)), y, 1e-13 * y);
  expect_near_all(numbers(output_of(session, 3)), g, 1e-13, "llsq gradient");
}

TEST(GradbenchLse, PrimalAndGradientMatchClosedForms) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("lse.jsonl");
  for (int id : {2, 4}) {
    const std::vector<double> x = numbers(input_of(session, id)["x"]);
    double top = x[0];
    for (double v : x) top = std::max(top, v);
    double sum = 0;
    for (double v : x) sum += std::exp(v - top);
    EXPECT_NEAR(number(output_of(session, id)), top + std::log(sum), 1e-13 * (1 + std::abs(top)));
    // ∇ LSE is the softmax.
    std::vector<double> softmax;
    for (double v : x) softmax.push_back(std::exp(v - top) / sum);
    expect_near_all(numbers(output_of(session, id + 1)), softmax, 1e-13, "lse gradient");
  }
}

/// det A and its gradient, the cofactor matrix det(A) · A⁻ᵀ, by Gaussian elimination with partial pivoting on
/// [A | I]: an independent closed form.
void det_closed_form(std::vector<double> a, std::size_t n, double& det, std::vector<double>& gradient) {
  std::vector<double> inv(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) inv[i * n + i] = 1.0;
  det = 1.0;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[pivot * n + c])) pivot = r;
    if (pivot != c) {
      for (std::size_t j = 0; j < n; ++j)
        std::swap(a[c * n + j], a[pivot * n + j]), std::swap(inv[c * n + j], inv[pivot * n + j]);
      det = -det;
    }
    const double p = a[c * n + c];
    det *= p;
    for (std::size_t j = 0; j < n; ++j) a[c * n + j] /= p, inv[c * n + j] /= p;
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (std::size_t j = 0; j < n; ++j) a[r * n + j] -= f * a[c * n + j], inv[r * n + j] -= f * inv[c * n + j];
    }
  }
  gradient.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) gradient[i * n + j] = det * inv[j * n + i];
}

TEST(GradbenchDet, PrimalAndGradientMatchClosedForms) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("det.jsonl");
  // The 3 × 3 case by hand: det = 6, and its cofactors.
  EXPECT_NEAR(number(output_of(session, 2)), 6.0, 1e-14);
  expect_near_all(numbers(output_of(session, 3)), {4, 0, -2, 1, 3, -2, -3, -3, 6}, 1e-14, "det 3×3 gradient");
  for (int id : {2, 4}) {
    const std::vector<double> A = numbers(input_of(session, id)["A"]);
    const std::size_t ell = input_of(session, id)["ell"];
    double det = 0;
    std::vector<double> gradient;
    det_closed_form(A, ell, det, gradient);
    EXPECT_NEAR(number(output_of(session, id)), det, 1e-12);
    expect_near_all(numbers(output_of(session, id + 1)), gradient, 1e-12, "det gradient");
  }
}

TEST(GradbenchDet, GradientSplitIntoTermsEqualsWholeGradient) {
  REQUIRE_SOURCE_DIR();
  // A budget of 1 byte splits the expansion down to single terms (6! recordings for the 6 × 6 matrix).
  EXPECT_EQ(gb::det_split_levels(6, 1), 6u);
  EXPECT_EQ(gb::det_split_levels(6, std::size_t{1} << 30), 0u);
  const std::vector<Exchange> whole = play("det.jsonl");
  const std::vector<Exchange> split = play("det.jsonl", gb::Options{1});
  expect_near_all(numbers(output_of(split, 5)), numbers(output_of(whole, 5)), 1e-13, "det split gradient");
}

TEST(GradbenchOde, PrimalAndGradientMatchTheExactSolution) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("ode.jsonl");
  // y_0 = x_0 t, y_i = x_i ∫ y_{i−1}: y_i(t) = x_0 x_1 ⋯ x_i t^{i+1}/(i+1)!. For n = 4 every y_i is a polynomial of
  // degree ≤ 4, which RK4 integrates exactly; ∂y_3/∂x_j = y_3/x_j.
  const std::vector<double> x = numbers(input_of(session, 2)["x"]);
  std::vector<double> y;
  double product = 1.0, factorial = 1.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    product *= x[i];
    factorial *= static_cast<double>(i + 1);
    y.push_back(product * std::pow(2.0, static_cast<double>(i + 1)) / factorial);
  }
  expect_near_all(numbers(output_of(session, 2)), y, 1e-14, "ode primal");
  std::vector<double> g;
  for (double xj : x) g.push_back(y.back() / xj);
  expect_near_all(numbers(output_of(session, 3)), g, 1e-14, "ode gradient");
}

TEST(GradbenchOde, GradientMatchesFiniteDifferencesAndSegments) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("ode.jsonl");
  const std::vector<double> x = numbers(input_of(session, 4)["x"]);
  const std::size_t s = input_of(session, 4)["s"];
  const std::vector<double> g = numbers(output_of(session, 5));
  ASSERT_EQ(g.size(), x.size());
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double h = 1e-6;
    std::vector<double> plus = x, minus = x;
    plus[j] += h;
    minus[j] -= h;
    const double fd = (gb::ode_solve<double>(plus, s, s).back() - gb::ode_solve<double>(minus, s, s).back()) / (2 * h);
    EXPECT_NEAR(g[j], fd, 1e-8 * (1 + std::abs(fd))) << j;
  }
  // A budget of 1 byte tapes one step at a time (kinase::every(1)); the gradient is the same.
  EXPECT_EQ(gb::ode_segment(9, 1), 1u);
  const std::vector<Exchange> stepwise = play("ode.jsonl", gb::Options{1});
  expect_near_all(numbers(output_of(stepwise, 5)), g, 1e-14, "ode gradient, one step per segment");
}

TEST(GradbenchKmeans, CostAndNewtonDirectionMatchClosedForms) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("kmeans.jsonl");
  const Json& in = input_of(session, 2);
  const std::size_t k = in["centroids"].size(), d = in["centroids"][0].size();
  const std::vector<double> centroids = rows(in["centroids"], d);
  // Nearest centroids by hand; the cost is the sum of squared distances to them, and the Newton direction
  // J / diag(H) = Σ 2(C_j − P_i) / (2 |cluster j|) = C_j − mean of cluster j.
  double cost = 0;
  std::vector<double> sum(k * d, 0.0), count(k, 0.0);
  for (const Json& pj : in["points"]) {
    const std::vector<double> p = numbers(pj);
    std::size_t best = 0;
    double best_dist = INFINITY;
    for (std::size_t j = 0; j < k; ++j) {
      double dist = 0;
      for (std::size_t l = 0; l < d; ++l) dist += (centroids[j * d + l] - p[l]) * (centroids[j * d + l] - p[l]);
      if (dist < best_dist) best = j, best_dist = dist;
    }
    cost += best_dist;
    count[best] += 1;
    for (std::size_t l = 0; l < d; ++l) sum[best * d + l] += p[l];
  }
  EXPECT_NEAR(number(output_of(session, 2)), cost, 1e-13 * cost);
  std::vector<double> dir;
  for (std::size_t j = 0; j < k; ++j)
    for (std::size_t l = 0; l < d; ++l) dir.push_back(centroids[j * d + l] - sum[j * d + l] / count[j]);
  expect_near_all(rows(output_of(session, 3), d), dir, 1e-13, "kmeans dir");
}

// --- saddle
// -----------------------------------------------------------------------------------------------------------

TEST(GradbenchSaddle, NestedModesFindGradbenchsSaddlePoint) {
  REQUIRE_SOURCE_DIR();
  const std::vector<Exchange> session = play("saddle.jsonl");
  // The value GradBench's saddle eval expects for start (1, 1), from its gradient-descent solver.
  const double expected = 8.246324826140356e-06;
  for (int id : {2, 3, 4}) {
    const std::vector<double> out = numbers(output_of(session, id));
    ASSERT_EQ(out.size(), 4u);
    for (double v : out) EXPECT_NEAR(v, expected, 1e-15) << session[static_cast<std::size_t>(id)].line;
  }
  // rr (reverse inside reverse) is not available in Kinase, and says so.
  const Json& rr = response_to(session, 5);
  EXPECT_EQ(rr.value("success", true), false);
  EXPECT_NE(rr.value("error", "").find("not supported"), std::string::npos) << rr.dump();
}

}  // namespace
