#pragma once
// kinase::Error: the one exception type Kinase throws. Its message names the function, the argument and the reason.
#include <stdexcept>
#include <string>

namespace kinase {

/// Thrown when a call cannot give a correct derivative (wrong sizes, inconsistent activities, ...).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace kinase
