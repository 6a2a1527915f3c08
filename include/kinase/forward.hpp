#pragma once
// The forward engine with every op.
#include "kinase/forward/dual.hpp"
#include "kinase/ops/all.hpp"
