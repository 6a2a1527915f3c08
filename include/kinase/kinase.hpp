#pragma once
// Kinase: automatic differentiation for C++20. This umbrella header brings the op rules, the forward engine, the
// reverse (tape) engine and the API. Eigen support is separate: #include <kinase/eigen.hpp>, and the matrix-level
// rules #include <kinase/linalg.hpp>.
#include "kinase/api/activity.hpp"
#include "kinase/api/checkpoint.hpp"
#include "kinase/api/control.hpp"
#include "kinase/api/chunk.hpp"
#include "kinase/api/external.hpp"
#include "kinase/api/forward.hpp"
#include "kinase/api/gradient.hpp"
#include "kinase/api/modes.hpp"
#include "kinase/api/parallel.hpp"
#include "kinase/api/results.hpp"
#include "kinase/api/reverse.hpp"
#include "kinase/api/second_order.hpp"
#include "kinase/api/split.hpp"
#include "kinase/core/error.hpp"
#include "kinase/core/matrix.hpp"
#include "kinase/core/strict.hpp"
#include "kinase/forward.hpp"
#include "kinase/reverse.hpp"
