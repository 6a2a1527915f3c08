#pragma once
// Every op of Kinase, and the list the op-matrix tests run over. A test (tests/check_op_list.cmake) fails when a
// file in this folder is missing here.
#include "kinase/ops/abs.hpp"
#include "kinase/ops/acos.hpp"
#include "kinase/ops/acosh.hpp"
#include "kinase/ops/arithmetic.hpp"
#include "kinase/ops/asin.hpp"
#include "kinase/ops/asinh.hpp"
#include "kinase/ops/atan.hpp"
#include "kinase/ops/atan2.hpp"
#include "kinase/ops/atanh.hpp"
#include "kinase/ops/cbrt.hpp"
#include "kinase/ops/ceil.hpp"
#include "kinase/ops/compare.hpp"
#include "kinase/ops/cos.hpp"
#include "kinase/ops/cosh.hpp"
#include "kinase/ops/erf.hpp"
#include "kinase/ops/erfc.hpp"
#include "kinase/ops/exp.hpp"
#include "kinase/ops/exp2.hpp"
#include "kinase/ops/expm1.hpp"
#include "kinase/ops/floor.hpp"
#include "kinase/ops/fmax.hpp"
#include "kinase/ops/fmin.hpp"
#include "kinase/ops/hypot.hpp"
#include "kinase/ops/lgamma.hpp"
#include "kinase/ops/log.hpp"
#include "kinase/ops/log10.hpp"
#include "kinase/ops/log1p.hpp"
#include "kinase/ops/log2.hpp"
#include "kinase/ops/max.hpp"
#include "kinase/ops/min.hpp"
#include "kinase/ops/neg.hpp"
#include "kinase/ops/op.hpp"
#include "kinase/ops/polygamma.hpp"
#include "kinase/ops/pow.hpp"
#include "kinase/ops/pow_int.hpp"
#include "kinase/ops/round.hpp"
#include "kinase/ops/sin.hpp"
#include "kinase/ops/sinh.hpp"
#include "kinase/ops/sqrt.hpp"
#include "kinase/ops/tan.hpp"
#include "kinase/ops/tanh.hpp"
#include "kinase/ops/tgamma.hpp"
#include "kinase/ops/trunc.hpp"

namespace kinase::ops {

template <class... Op>
struct OpList {};

/// Ops whose every argument is differentiable (the op-matrix tests sample their domains).
using differentiable_ops = OpList<Add, Sub, Mul, Div, Neg, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Asinh,
                                  Acosh, Atanh, Exp, Exp2, Expm1, Log, Log2, Log10, Log1p, Sqrt, Cbrt, Hypot, Pow,
                                  Atan2, Abs, Min, Max, Fmin, Fmax, Erf, Erfc, Tgamma, Lgamma>;
/// Ops with an integer parameter after their differentiable argument.
using parameterised_ops = OpList<PowInt, Polygamma>;
/// Piecewise-constant ops: derivative 0.
using piecewise_constant_ops = OpList<Floor, Ceil, Round, Trunc>;

}  // namespace kinase::ops
