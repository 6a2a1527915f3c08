#pragma once
// Reading ADBench's LSTM files (data in ../shared/adbench, format in its README):
//   input    `l c b`, then 2l rows of 4b main parameters, 3 rows of b extra parameters, 2l rows of b state values and
//            c rows of b sequence bits (blank lines between the blocks; all whitespace is alike to the reader);
//   expected `<name>_F_Manual.txt` (the objective) and `<name>_J_Manual.txt` (the gradient, one value a line, main
//            parameters then extra parameters) under expected/lstm/.
// Errors throw std::runtime_error with the file's name and what was wrong. The helpers for opening files, reading
// numbers and locating expected/ files are gmm_io.hpp's, which do not depend on the problem.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gmm_io.hpp"
#include "lstm.hpp"

namespace kinase::adbench {

/// Reads an ADBench LSTM input file. The sizes must be positive and c at least 2 (the objective predicts each
/// character from the one before it); nothing but whitespace may follow the sequence.
inline LstmInput read_lstm(const std::filesystem::path& file) {
  std::ifstream in = detail::open_for_reading(file);
  LstmInput m;
  if (!(in >> m.l >> m.c >> m.b) || m.l <= 0 || m.c < 2 || m.b <= 0)
    throw std::runtime_error(file.string() + ": the first line must be `l c b` with l, b positive and c at least 2");
  const auto l = static_cast<std::size_t>(m.l), c = static_cast<std::size_t>(m.c), b = static_cast<std::size_t>(m.b);
  detail::read_numbers(in, lstm_main_count(m), m.main_params, file, "the main parameters");
  detail::read_numbers(in, lstm_extra_count(m), m.extra_params, file, "the extra parameters");
  detail::read_numbers(in, 2 * l * b, m.state, file, "the state");
  detail::read_numbers(in, c * b, m.sequence, file, "the sequence");
  std::string rest;
  if (in >> rest)
    throw std::runtime_error(file.string() + ": unexpected text after the " + std::to_string(c) +
                             " sequence rows: " + rest);
  return m;
}

/// ADBench's reference results for one LSTM input: the objective and its gradient (main, then extra parameters).
using LstmExpected = GmmExpected;

/// Reads the expected objective and gradient for the input at `data_dir`/`relative_input` (e.g.
/// "lstm/lstm_l2_c1024.txt": expected/lstm/lstm_l2_c1024_F_Manual.txt and ..._J_Manual.txt). `parameters` is the
/// gradient's length, lstm_parameter_count; the file must hold exactly that many values.
inline LstmExpected read_lstm_expected(const std::filesystem::path& data_dir,
                                       const std::filesystem::path& relative_input, std::size_t parameters) {
  return read_gmm_expected(data_dir, relative_input, parameters);
}

/// True when both expected files exist for the input.
inline bool has_lstm_expected(const std::filesystem::path& data_dir, const std::filesystem::path& relative_input) {
  return has_gmm_expected(data_dir, relative_input);
}

}  // namespace kinase::adbench
