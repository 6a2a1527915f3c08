#pragma once
// The reverse engine with every op: Real<T>, its expressions, the tape.
#include "kinase/ops/all.hpp"
#include "kinase/reverse/real.hpp"
#include "kinase/reverse/tape.hpp"
