#pragma once
// What every GradBench module of kinase-gradbench shares: reading an evaluate message's `input` with errors that name
// the field and the reason, and running a function the number of times GradBench asks for while timing each run.
//
// GradBench (github.com/gradbench/gradbench, CONTRIBUTING.md, "Protocol") sends each function's input as JSON. A tool
// must answer malformed input with `"success": false` and an error, never crash, so every read here checks the type
// and the size it needs and throws InputError with the path of the offending value, e.g.
//   input.x[3]: expected a number, got a string
//   input.main_params[1]: expected 56 numbers, got 55
// The input is decoded into plain C++ data before the timed runs, and the output encoded after them, so that the
// timings measure the computation only (GradBench's convention for the "evaluate" timing).
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kinase::gradbench {

/// Messages are parsed into, and responses built from, JSON objects that keep their keys in the order written:
/// responses then start with "id", which makes the tool's output easy to read. (Objects in GradBench's messages have
/// a handful of keys, so the ordered map's linear lookup costs nothing.)
using Json = nlohmann::ordered_json;
using OrderedJson = Json;

/// Malformed input: the message names the offending value's path and what was wrong with it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One timing entry of an evaluate response.
struct Timing {
  std::string name;
  std::int64_t nanoseconds = 0;
};

/// The JSON type of a value, in words, for error messages.
inline std::string json_type_name(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

/// A value of the input and its path ("input.data.points[2]"), so that every error can say where it is.
class Field {
 public:
  Field(const Json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const Json& json() const { return *value_; }
  const std::string& path() const { return path_; }

  [[noreturn]] void fail(const std::string& reason) const { throw InputError(path_ + ": " + reason); }

  bool is_object() const { return value_->is_object(); }
  bool has(std::string_view key) const { return value_->is_object() && value_->contains(key); }

  /// A member of an object; a missing member or a value that is not an object is an error.
  Field at(std::string_view key) const {
    if (!value_->is_object()) fail("expected an object, got " + json_type_name(*value_));
    const auto it = value_->find(key);
    if (it == value_->end()) fail("missing field '" + std::string(key) + "'");
    return Field(*it, path_ + "." + std::string(key));
  }

  /// The elements of an array; `expected` (when not npos) is the length it must have.
  std::vector<Field> elements(std::size_t expected = npos) const {
    if (!value_->is_array()) fail("expected an array, got " + json_type_name(*value_));
    if (expected != npos && value_->size() != expected)
      fail("expected " + std::to_string(expected) + " elements, got " + std::to_string(value_->size()));
    std::vector<Field> out;
    out.reserve(value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i)
      out.emplace_back((*value_)[i], path_ + "[" + std::to_string(i) + "]");
    return out;
  }

  /// A finite number (JSON cannot carry inf or nan, and a tool cannot compute with them meaningfully).
  double number() const {
    if (!value_->is_number()) fail("expected a number, got " + json_type_name(*value_));
    const double v = value_->get<double>();
    if (!std::isfinite(v)) fail("expected a finite number");
    return v;
  }

  /// An integer in [lo, hi]; 3.0 is accepted as 3, 3.5 is not.
  std::int64_t integer(std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                       std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const {
    if (!value_->is_number()) fail("expected an integer, got " + json_type_name(*value_));
    std::int64_t v = 0;
    if (value_->is_number_unsigned()) {
      const auto u = value_->get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) fail("the integer is too large");
      v = static_cast<std::int64_t>(u);
    } else if (value_->is_number_integer()) {
      v = value_->get<std::int64_t>();
    } else {
      const double d = value_->get<double>();
      // 2^63 is the first double outside int64; the comparison also rejects nan.
      if (!(d == std::floor(d) && std::abs(d) < 9.2e18)) fail("expected an integer, got " + value_->dump());
      v = static_cast<std::int64_t>(d);
    }
    if (v < lo || v > hi) {
      // A bound at the limit of the type is no real bound: say "at least" rather than print it.
      const bool unbounded = hi >= std::numeric_limits<int>::max();
      const std::string range =
          unbounded ? "at least " + std::to_string(lo) : "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
      fail("expected an integer " + range + ", got " + std::to_string(v));
    }
    return v;
  }

  /// A size (a non-negative integer that fits an int, as the objectives index with int) at least `lo`.
  int size(int lo = 0) const { return static_cast<int>(integer(lo, std::numeric_limits<int>::max())); }

  bool boolean() const {
    if (!value_->is_boolean()) fail("expected a boolean, got " + json_type_name(*value_));
    return value_->get<bool>();
  }

  std::string string() const {
    if (!value_->is_string()) fail("expected a string, got " + json_type_name(*value_));
    return value_->get<std::string>();
  }

  /// An array of numbers, of length `expected` unless that is npos.
  std::vector<double> numbers(std::size_t expected = npos) const {
    std::vector<double> out;
    append_numbers(out, expected);
    return out;
  }

  /// Appends an array of numbers (of length `expected` unless npos) to `out`.
  void append_numbers(std::vector<double>& out, std::size_t expected = npos) const {
    if (!value_->is_array()) fail("expected an array of numbers, got " + json_type_name(*value_));
    if (expected != npos && value_->size() != expected)
      fail("expected " + std::to_string(expected) + " numbers, got " + std::to_string(value_->size()));
    out.reserve(out.size() + value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i) {
      const Json& e = (*value_)[i];
      if (!e.is_number() || !std::isfinite(e.get<double>()))
        Field(e, path_ + "[" + std::to_string(i) + "]").number();  // throws with the element's path
      out.push_back(e.get<double>());
    }
  }

  /// An array of `rows` arrays of `cols` numbers each (either may be npos: any), flattened row by row. Returns the
  /// values; `rows_out` and `cols_out` (when given) receive the sizes found. An empty array has 0 columns.
  std::vector<double> matrix(std::size_t rows = npos, std::size_t cols = npos, std::size_t* rows_out = nullptr,
                             std::size_t* cols_out = nullptr) const {
    const std::vector<Field> r = elements(rows);
    std::vector<double> out;
    std::size_t width = cols;
    for (const Field& row : r) {
      row.append_numbers(out, width);
      if (width == npos) width = row.json().size();  // the first row fixes the width of the others
    }
    if (rows_out) *rows_out = r.size();
    if (cols_out) *cols_out = width == npos ? 0 : width;
    return out;
  }

  /// An array of integers in [lo, hi], of length `expected` unless npos.
  std::vector<int> integers(std::size_t expected, int lo, int hi) const {
    std::vector<int> out;
    for (const Field& e : elements(expected)) out.push_back(static_cast<int>(e.integer(lo, hi)));
    return out;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  const Json* value_;
  std::string path_;
};

/// How often to run a function: at least `min_runs` times and until `min_seconds` have passed (GradBench's Runs).
struct Runs {
  std::int64_t min_runs = 1;
  double min_seconds = 0.0;
};

/// Reads `min_runs` and `min_seconds` where GradBench puts them, in the input object; defaults 1 and 0. Older
/// GradBench evals (kmeans) wrote `runs` for `min_runs`, which is accepted as the same thing. An input that is not an
/// object (hello's bare number) runs once.
inline Runs read_runs(const Field& input) {
  Runs r;
  if (!input.is_object()) return r;
  if (input.has("min_runs"))
    r.min_runs = input.at("min_runs").integer(1);
  else if (input.has("runs"))
    r.min_runs = input.at("runs").integer(1);
  if (input.has("min_seconds")) {
    r.min_seconds = input.at("min_seconds").number();
    if (r.min_seconds < 0) input.at("min_seconds").fail("expected a number ≥ 0");
  }
  return r;
}

/// Runs `compute` at least runs.min_runs times and until runs.min_seconds have passed in total, adds one
/// {"evaluate", ns} timing per run, and returns the last run's result.
template <class F>
auto run_timed(const Runs& runs, std::vector<Timing>& timings, F&& compute) {
  using Clock = std::chrono::steady_clock;
  using Result = decltype(compute());
  Result result{};
  double elapsed = 0.0;
  for (std::int64_t i = 0; i < runs.min_runs || elapsed < runs.min_seconds; ++i) {
    const auto start = Clock::now();
    result = compute();
    const auto stop = Clock::now();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count();
    timings.push_back({"evaluate", static_cast<std::int64_t>(ns)});
    elapsed += static_cast<double>(ns) * 1e-9;
  }
  return result;
}

/// The result of one evaluate: the output (encoded after the timed runs) and the timings.
struct Evaluation {
  OrderedJson output;
  std::vector<Timing> timings;
};

/// Settings of the modules. The tape budget bounds the memory of one recording where an objective is large enough
/// to need it: gmm takes the gradient over chunks of points, det over groups of terms of its expansion, and ode tapes
/// its time steps a segment at a time (kinase::checkpointed_loop). The derivatives are the same (up to rounding in
/// the order of a sum); only the memory changes. Tests set a tiny budget to exercise the splitting on small inputs.
struct Options {
  std::size_t tape_budget_bytes = std::size_t{256} << 20;
};

/// One function of a module: decodes the input (throwing InputError when it is malformed), runs the computation as
/// often as `runs` asks, timing each run, and encodes the output.
using Handler = std::function<Evaluation(const Field& input, const Runs& runs)>;

/// A GradBench module: its name and its functions, by name.
struct Module {
  std::string name;
  std::vector<std::pair<std::string, Handler>> functions;
};

/// Encodes a flat row-major array of `cols`-wide rows as an array of arrays (GradBench's Float[][]).
inline OrderedJson rows_to_json(const double* values, std::size_t rows, std::size_t cols) {
  OrderedJson out = OrderedJson::array();
  for (std::size_t r = 0; r < rows; ++r) out.push_back(std::vector<double>(values + r * cols, values + (r + 1) * cols));
  return out;
}

}  // namespace kinase::gradbench
