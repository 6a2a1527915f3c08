#pragma once
// kinase-gradbench's protocol core: GradBench's JSON-lines protocol (github.com/gradbench/gradbench, CONTRIBUTING.md,
// "Protocol"), one message per line in, one response per line out, with the message's id.
//
//   {"id": 0, "kind": "start", ...}                    → {"id": 0, "tool": "kinase"}
//   {"id": 1, "kind": "define", "module": "gmm"}       → {"id": 1, "success": true}
//                                                        (or false with an "error" for a module not implemented)
//   {"id": 2, "kind": "evaluate", "module": "gmm", "function": "jacobian", "input": {...}}
//                                                      → {"id": 2, "success": true, "output": ...,
//                                                         "timings": [{"name": "evaluate", "nanoseconds": N}, ...]}
//   {"id": 3, "kind": "analysis", "of": 2, "valid": true} → {"id": 3}
//
// An evaluate runs the function at least `min_runs` times and until `min_seconds` have passed (both read from the
// input object, defaults 1 and 0), one timing per run. Every failure — malformed JSON, a message that is not an
// object, a missing or mistyped field, an unknown module or function, an input of the wrong size, an exception from
// the computation — becomes a response with "success": false and an "error" that says what was wrong (and where, for
// input: "input.x[3]: expected a number, got a string"); a message whose id cannot be read is answered with id null.
// Session::respond never throws, so a driver (kinase_gradbench.cpp, or a test) can feed it any line.
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gradbench/modules_adbench.hpp"
#include "gradbench/modules_cmpad.hpp"
#include "gradbench/modules_input.hpp"

namespace kinase::gradbench {

/// Every module the tool implements, in the order they are listed in errors.
inline std::vector<Module> all_modules(const Options& options = {}) {
  std::vector<Module> m;
  m.push_back(hello_module());
  m.push_back(gmm_module(options));
  m.push_back(ba_module());
  m.push_back(ht_module());
  m.push_back(lstm_module());
  m.push_back(llsq_module());
  m.push_back(lse_module());
  m.push_back(det_module(options));
  m.push_back(kmeans_module());
  m.push_back(ode_module(options));
  m.push_back(saddle_module());
  return m;
}

/// One GradBench session: feed it the eval's lines in order, send back what it returns.
class Session {
 public:
  explicit Session(const Options& options = {}) : modules_(all_modules(options)) {}

  /// The response to one line (one JSON message), as one line of JSON without the newline; empty for a blank line,
  /// which is no message. Never throws.
  std::string respond(std::string_view line) {
    if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
    try {
      Json message;
      try {
        message = Json::parse(line);
      } catch (const Json::parse_error& e) {
        return failure(nullptr, std::string("malformed JSON: ") + e.what()).dump();
      }
      return handle(message).dump();
    } catch (const std::bad_alloc&) {
      return failure(nullptr, "out of memory").dump();
    } catch (const std::exception& e) {
      return failure(nullptr, std::string("internal error: ") + e.what()).dump();
    } catch (...) {
      return failure(nullptr, "internal error: an unknown exception").dump();
    }
  }

  /// The modules, for listing (the names of those a define may name).
  const std::vector<Module>& modules() const { return modules_; }

 private:
  static Json failure(Json id, const std::string& error) {
    Json r;
    r["id"] = std::move(id);
    r["success"] = false;
    r["error"] = error;
    return r;
  }

  const Module* find(std::string_view name) const {
    for (const Module& m : modules_)
      if (m.name == name) return &m;
    return nullptr;
  }

  std::string module_names() const {
    std::string names;
    for (const Module& m : modules_) names += (names.empty() ? "" : ", ") + m.name;
    return names;
  }

  /// A string member of the message, or an error naming it.
  static std::string message_string(const Json& message, const char* key) {
    const auto it = message.find(key);
    if (it == message.end()) throw InputError(std::string("the message has no '") + key + "'");
    if (!it->is_string())
      throw InputError(std::string("the message's '") + key + "' must be a string, got " + json_type_name(*it));
    return it->get<std::string>();
  }

  Json handle(const Json& message) {
    if (!message.is_object())
      return failure(nullptr, "a message must be a JSON object, got " + json_type_name(message));
    const auto id_it = message.find("id");
    if (id_it == message.end()) return failure(nullptr, "the message has no 'id'");
    const Json& id = *id_it;
    try {
      const std::string kind = message_string(message, "kind");
      if (kind == "start") {
        Json r;
        r["id"] = id;
        r["tool"] = "kinase";
        return r;
      }
      if (kind == "define") return define(id, message_string(message, "module"));
      if (kind == "evaluate") return evaluate(id, message);
      if (kind == "analysis") {
        Json r;
        r["id"] = id;
        return r;
      }
      return failure(id, "unknown message kind '" + kind + "' (expected start, define, evaluate or analysis)");
    } catch (const std::bad_alloc&) {
      return failure(id, "out of memory");
    } catch (const std::exception& e) {
      return failure(id, e.what());
    }
  }

  Json define(const Json& id, const std::string& module) const {
    if (!find(module))
      return failure(
          id, "module '" + module + "' is not implemented by kinase-gradbench (it implements " + module_names() + ")");
    Json r;
    r["id"] = id;
    r["success"] = true;
    return r;
  }

  Json evaluate(const Json& id, const Json& message) const {
    const std::string module_name = message_string(message, "module");
    const std::string function = message_string(message, "function");
    const Module* module = find(module_name);
    if (!module)
      return failure(id, "unknown module '" + module_name + "' (kinase-gradbench implements " + module_names() + ")");
    const Handler* handler = nullptr;
    std::string functions;
    for (const auto& [name, h] : module->functions) {
      if (name == function) handler = &h;
      functions += (functions.empty() ? "" : ", ") + name;
    }
    if (!handler)
      return failure(id, "module '" + module_name + "' has no function '" + function + "' (it has " + functions + ")");
    const auto input_it = message.find("input");
    if (input_it == message.end()) return failure(id, "the evaluate message has no 'input'");
    const std::string where = module_name + "." + function + ": ";
    try {
      const Field input(*input_it, "input");
      const Runs runs = read_runs(input);
      Evaluation result = (*handler)(input, runs);
      Json r;
      r["id"] = id;
      r["success"] = true;
      r["output"] = std::move(result.output);
      Json timings = Json::array();
      for (const Timing& t : result.timings) {
        Json entry;
        entry["name"] = t.name;
        entry["nanoseconds"] = t.nanoseconds;
        timings.push_back(std::move(entry));
      }
      r["timings"] = std::move(timings);
      return r;
    } catch (const std::bad_alloc&) {
      return failure(id, where + "out of memory");
    } catch (const std::exception& e) {
      return failure(id, where + e.what());
    }
  }

  std::vector<Module> modules_;
};

}  // namespace kinase::gradbench
