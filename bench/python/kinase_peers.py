#!/usr/bin/env python3
"""The Python peers of Kinase's benchmark suite: JAX, PyTorch and CasADi on the ADBench problems and B1's Rosenbrock.

The C++ runner (kinase-bench --python-peers) calls this script once per (problem, instance):

    python kinase_peers.py --problem {gmm,ba,hand,lstm,rosenbrock} (--input FILE | --n N)
                           --expected-dir DIR --tools jax,torch,casadi --repeat N --time-limit SECONDS
                           [--quick] [--complicated | --simple] [--instance NAME] [--tool-timeout SECONDS]
                           [--tolerance T]

and reads one JSON object per tool from standard output:

    {"problem", "instance", "tool", "primal_ns", "derivative_ns", "ratio", "compile_ns", "max_error", "status", "note"}

status is "ok", "skipped" (one evaluation took longer than --time-limit, or the tool was killed at its hard
deadline), "mismatch" (the objective or the derivative differs from expected/ by more than --tolerance, ADBench's
|a - b| / max(1, |a| + |b|); not timed) or "error" (the tool failed to import, to build or to run; the note says
why). Everything else (progress, warnings) goes to standard error.

Each tool runs in a child process of its own (this script with --worker TOOL), so that a tool that crashes, hangs
or imports badly cannot take the others with it; the parent kills a child that passes its hard deadline. Every tool
runs on one thread: OMP/MKL/OpenBLAS at 1, torch.set_num_threads(1), and XLA with
--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1. Everything is float64 (jax_enable_x64).

What is timed, per tool (the ratio is derivative time / primal time, both the tool's own):
  jax     primal jit(f); derivative jit(grad(f)) (GMM, LSTM over lax.scan, Rosenbrock), jit(vmap(jacrev(block)))
          for BA's per-observation 2 x 15 blocks (jacfwd measured about 2x slower), jit(jacfwd(residuals)) for
          hand's dense Jacobian. Both are compiled ahead of time (jit(...).lower(...).compile()); the derivative's
          compile time is reported as compile_ns and is not in the ratio.
  torch   primal: the objective, eager, no graph recorded; derivative: the objective recorded by autograd, then
          backward() (GMM, LSTM, Rosenbrock); torch.func vmap(jacrev(block)) for BA, torch.func.jacfwd for hand.
  casadi  the objective built as a CasADi expression graph (SX for the scalar parts, MX with map/mapaccum for the
          repeated parts: points and components, observations, vertices, characters); the derivative by
          casadi.gradient / casadi.jacobian. Both Functions are turned into C by CasADi's code generator, compiled
          with gcc -O3 -march=native and called through ctypes (no copies in or out). compile_ns is the code
          generation plus gcc. Without a C compiler (or with KINASE_CASADI_CODEGEN=0) the Functions are called from
          Python (CasADi's virtual machine), and the note says so.
BA's derivative is the values of ADBench's CSR Jacobian, in two buffers (the 30 values of each observation's two
rows, then the p weight rows); its structure (row pointer, columns) is constant and not rebuilt per evaluation.
Timing follows bench/harness.hpp: each case warms up, its batch is sized to last at least 1 ms (0.2 ms with
--quick), then the primal and the derivative are timed interleaved for --repeat rounds and the median per evaluation
is reported.
"""

import argparse
import collections
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time

# One thread for every library, set before numpy, JAX or torch is imported (they read these at import time).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
_XLA_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
if _XLA_ONE_THREAD not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _XLA_ONE_THREAD).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PROBLEMS = ("gmm", "ba", "hand", "lstm", "rosenbrock")
TOOLS = ("jax", "torch", "casadi")
FIELDS = ("problem", "instance", "tool", "primal_ns", "derivative_ns", "ratio", "compile_ns", "max_error", "status",
          "note")


def log(message):
    print(message, file=sys.stderr, flush=True)


# =====================================================================================================================
# Reading the instances (numpy only). Formats: ../shared/adbench/README.md and bench/adbench/*_io.hpp.
# =====================================================================================================================

class InputError(Exception):
    pass


def read_numbers(path):
    import numpy as np
    try:
        with open(path) as f:
            return np.array(f.read().split(), dtype=np.float64)
    except OSError as e:
        raise InputError(f"cannot open {path}: {e.strerror}")
    except ValueError as e:
        raise InputError(f"{path}: not all values are numbers ({e})")


class Taker:
    """Takes numbers from a flat array in order, naming the file and the part when it runs out."""

    def __init__(self, values, path):
        self.values, self.path, self.at = values, path, 0

    def take(self, count, what):
        if self.at + count > len(self.values):
            raise InputError(f"{self.path}: cannot read {what}")
        out = self.values[self.at:self.at + count]
        self.at += count
        return out

    def rest(self):
        return len(self.values) - self.at


def relative_to_problem(path, problem):
    """The input's path below its problem folder (e.g. 'simple_small/hand1_t26_c100.txt' under 'hand/')."""
    parts = os.path.normpath(os.path.abspath(path)).split(os.sep)
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == problem:
            return os.path.join(*parts[i + 1:])
    return os.path.basename(path)


def expected_file(expected_dir, problem, input_path, suffix):
    """expected/<problem>/<sub-folders>/<stem>_<suffix>.txt, or None. Also accepts DIR pointing at the problem's own
    folder or at the input's folder."""
    rel = relative_to_problem(input_path, problem)
    sub, name = os.path.split(rel)
    stem = os.path.splitext(name)[0]
    candidates = [os.path.join(expected_dir, problem, sub, f"{stem}_{suffix}.txt"),
                  os.path.join(expected_dir, sub, f"{stem}_{suffix}.txt"),
                  os.path.join(expected_dir, f"{stem}_{suffix}.txt")]
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def adbench_difference(a, b):
    """ADBench's measure, elementwise maximum: |a - b| / max(1, |a| + |b|)."""
    import numpy as np
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"{a.size} values where {b.size} were expected")
    if a.size == 0:
        return 0.0
    d = np.abs(a - b) / np.maximum(1.0, np.abs(a) + np.abs(b))
    if np.isnan(d).any():
        return float("inf")
    return float(d.max())


class Problem:
    """One instance: its data as numpy arrays, its reference output (flat, in the canonical layout below) and a name.

    The canonical layouts that every tool returns and the reference is read into:
      gmm, lstm, rosenbrock  objective [f];            derivative: the gradient
      ba                     objective: 2p reprojection residuals (observation by observation) then p weight
                             residuals; derivative: the CSR values, 30 per observation (rows 2i, 2i+1, 15 each) then
                             p weight-row values
      hand                   objective: 3N residuals;  derivative: the 3N x ncols Jacobian, row-major
    """
    name = ""
    size_note = ""
    ref_objective = None
    ref_derivative = None
    ref_note = ""


def load_gmm(path, expected_dir):
    import numpy as np
    v = read_numbers(path)
    t = Taker(v, path)
    d, k, n = (int(x) for x in t.take(3, "`d k n`"))
    if d <= 0 or k <= 0 or n <= 0:
        raise InputError(f"{path}: `d k n` must be positive")
    tri = d * (d + 1) // 2
    p = Problem()
    p.d, p.k, p.n = d, k, n
    p.alphas = t.take(k, "the alphas").copy()
    p.means = t.take(k * d, "the means").reshape(k, d).copy()
    p.icf = t.take(k * tri, "the icf").reshape(k, tri).copy()
    if t.rest() == d + 2 and n > 1:  # a 2.5M file: one point stored for all n (ADBench's -rep)
        p.x = np.tile(t.take(d, "the points"), (n, 1))
    else:
        p.x = t.take(n * d, "the points").reshape(n, d).copy()
    p.gamma, m = t.take(2, "the Wishart prior `gamma m`")
    p.m = int(m)
    p.params = np.concatenate([p.alphas, p.means.ravel(), p.icf.ravel()])
    # The strictly lower triangle, column by column: entry j of a component's l goes to (rows[j], cols[j]).
    rows, cols = [], []
    for col in range(d):
        for row in range(col + 1, d):
            rows.append(row)
            cols.append(col)
    p.tril_rows, p.tril_cols = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    # The constant terms: -n d/2 log 2 pi - K W(d, gamma, m).
    n_prime = d + p.m + 1
    log_gamma_d = 0.25 * d * (d - 1) * math.log(math.pi) + sum(math.lgamma(0.5 * n_prime + 0.5 * (1 - j))
                                                                for j in range(1, d + 1))
    wishart = n_prime * d * (math.log(p.gamma) - 0.5 * math.log(2.0)) - log_gamma_d
    p.constant = -0.5 * n * d * math.log(2.0 * math.pi) - k * wishart
    stem = os.path.splitext(os.path.basename(path))[0]
    p.name = stem[4:] if stem.startswith("gmm_") else stem
    p.size_note = f"d={d} K={k} n={n}"
    f_file = expected_file(expected_dir, "gmm", path, "F_Manual")
    j_file = expected_file(expected_dir, "gmm", path, "J_Manual")
    if f_file and j_file:
        p.ref_objective = read_numbers(f_file)[:1]
        p.ref_derivative = read_numbers(j_file)
    return p


def load_ba(path, expected_dir):
    import numpy as np
    v = read_numbers(path)
    t = Taker(v, path)
    n, m, nobs = (int(x) for x in t.take(3, "`n m p`"))
    if n <= 0 or m <= 0 or nobs <= 0:
        raise InputError(f"{path}: `n m p` must be positive")
    cam = t.take(11, "the camera")
    point = t.take(3, "the point")
    weight = t.take(1, "the weight")
    feat = t.take(2, "the feature")
    p = Problem()
    p.n, p.m, p.p = n, m, nobs
    p.cams = np.tile(cam, (n, 1))
    p.X = np.tile(point, (m, 1))
    p.w = np.full(nobs, weight[0])
    p.feats = np.tile(feat, (nobs, 1))
    i = np.arange(nobs, dtype=np.int64)
    p.cam_idx, p.pt_idx = i % n, i % m
    p.name = os.path.splitext(os.path.basename(path))[0]
    p.size_note = f"n={n} m={m} p={nobs}"
    c_file = expected_file(expected_dir, "ba", path, "compact_Manual")
    if c_file:
        with open(c_file) as f:
            numbers = [float(x) for line in f if not line.lstrip().startswith("#") for x in line.split()]
        if len(numbers) != 6 + 2 + 1 + 30 + 1:
            raise InputError(f"{c_file}: expected 40 numbers, found {len(numbers)}")
        if [int(x) for x in numbers[:3]] != [n, m, nobs]:
            raise InputError(f"{c_file}: its `n m p` is not the input's")
        reproj, w_err, block, w_jac = numbers[6:8], numbers[8], numbers[9:39], numbers[39]
        p.ref_objective = np.concatenate([np.tile(reproj, nobs), np.full(nobs, w_err)])
        p.ref_derivative = np.concatenate([np.tile(block, nobs), np.full(nobs, w_jac)])
        p.ref_note = "BA checked against the compact reference (every observation's 2 x 15 block)"
    return p


HAND_BONES = 22
HAND_THETAS = 26


def hand_bone_thetas(bone):
    """The theta indices of bone b's x- and z-angles, -1 where the angle is 0 (ADBench's to_pose_params)."""
    f, k = (bone - 2) // 4, (bone - 2) % 4
    if bone < 2 or f >= 5 or k == 3:
        return -1, -1
    first = 6 + 4 * f
    return (first, first + 1) if k == 0 else (first + 1 + k, -1)


def read_model_lines(path):
    try:
        with open(path) as f:
            return [line.rstrip("\r\n").split(":") for line in f if line.strip()]
    except OSError as e:
        raise InputError(f"cannot open {path}: {e.strerror}")


def load_hand(path, expected_dir, complicated):
    import numpy as np
    folder = os.path.join(os.path.dirname(os.path.abspath(path)), "model")
    bones = read_model_lines(os.path.join(folder, "bones.txt"))
    if len(bones) != HAND_BONES or any(len(b) != 34 for b in bones):
        raise InputError(f"{folder}/bones.txt: expected {HAND_BONES} lines of 34 fields")
    p = Problem()
    p.complicated = complicated
    p.parents = [int(b[1]) for b in bones]
    base_rel = np.array([[float(x) for x in b[2:18]] for b in bones]).reshape(HAND_BONES, 4, 4)
    inv_abs = np.array([[float(x) for x in b[18:34]] for b in bones]).reshape(HAND_BONES, 4, 4)
    p.base_rel, p.inv_abs = base_rel[:, :3, :].copy(), inv_abs[:, :3, :].copy()  # affine: keep the 3 x 4 tops
    verts = read_model_lines(os.path.join(folder, "vertices.txt"))
    nv = len(verts)
    p.base = np.array([[float(x) for x in v[:3]] for v in verts])
    p.weights = np.zeros((nv, HAND_BONES))
    for i, v in enumerate(verts):
        count = int(float(v[8]))
        for j in range(count):
            p.weights[i, int(float(v[9 + 2 * j]))] = float(v[10 + 2 * j])
    p.triangles = np.array([[int(x) for x in t] for t in read_model_lines(os.path.join(folder, "triangles.txt"))],
                           dtype=np.int64).reshape(-1, 3)
    v = read_numbers(path)
    t = Taker(v, path)
    npts, n_theta = (int(x) for x in t.take(2, "`N n_theta`"))
    if npts <= 0 or n_theta != HAND_THETAS:
        raise InputError(f"{path}: the first line must be `N {HAND_THETAS}`")
    rows = t.take(4 * npts, "the correspondences and points").reshape(npts, 4)
    p.corr = rows[:, 0].astype(np.int64)
    p.points = rows[:, 1:].copy()
    other = "a simple" if complicated else "a complicated"  # the likely cause of a malformed file
    limit = len(p.triangles) if complicated else nv
    if (p.corr < 0).any() or (p.corr >= limit).any():
        raise InputError(f"{path}: a correspondence is out of range (is it {other} file?)")
    p.us = t.take(2 * npts, "the barycentric coordinates").reshape(npts, 2).copy() if complicated else None
    try:
        p.theta = t.take(HAND_THETAS, "theta").copy()
    except InputError as e:
        raise InputError(f"{e} (is it {other} file?)")
    if t.rest():
        raise InputError(f"{path}: unexpected values after theta (is it {other} file?)")
    p.ncols = HAND_THETAS + (2 if complicated else 0)
    p.x0 = np.concatenate([np.zeros(2), p.theta]) if complicated else p.theta.copy()
    p.idx_x = np.array([hand_bone_thetas(b)[0] for b in range(HAND_BONES)], dtype=np.int64)
    p.idx_z = np.array([hand_bone_thetas(b)[1] for b in range(HAND_BONES)], dtype=np.int64)
    p.idx_x[p.idx_x < 0] = HAND_THETAS  # index of an appended 0
    p.idx_z[p.idx_z < 0] = HAND_THETAS
    rel = relative_to_problem(path, "hand")
    p.name = os.path.splitext(rel)[0]
    p.size_note = f"{'complicated' if complicated else 'simple'}, N={npts}, {nv} vertices"
    f_file = expected_file(expected_dir, "hand", path, "F_Manual")
    j_file = expected_file(expected_dir, "hand", path, "J_Manual")
    if f_file and j_file:
        p.ref_objective = read_numbers(f_file)
        p.ref_derivative = read_numbers(j_file)
        if p.ref_derivative.size != 3 * npts * p.ncols:
            raise InputError(f"{j_file}: {p.ref_derivative.size} values, expected 3N x {p.ncols}")
    return p


def load_lstm(path, expected_dir):
    import numpy as np
    v = read_numbers(path)
    t = Taker(v, path)
    l, c, b = (int(x) for x in t.take(3, "`l c b`"))
    if l <= 0 or b <= 0 or c < 2:
        raise InputError(f"{path}: `l c b` must have l, b positive and c at least 2")
    p = Problem()
    p.l, p.c, p.b = l, c, b
    p.main = t.take(8 * l * b, "the main parameters").copy()
    p.extra = t.take(3 * b, "the extra parameters").copy()
    p.state = t.take(2 * l * b, "the state").copy()
    p.seq = t.take(c * b, "the sequence").reshape(c, b).copy()
    p.params = np.concatenate([p.main, p.extra])
    p.name = os.path.splitext(os.path.basename(path))[0]
    p.size_note = f"l={l} c={c} b={b}"
    f_file = expected_file(expected_dir, "lstm", path, "F_Manual")
    j_file = expected_file(expected_dir, "lstm", path, "J_Manual")
    if f_file and j_file:
        p.ref_objective = read_numbers(f_file)[:1]
        p.ref_derivative = read_numbers(j_file)
    return p


def load_rosenbrock(n):
    """B1's point (bench/rosenbrock.hpp) and the closed-form value and gradient as the reference."""
    import numpy as np
    if n < 2:
        raise InputError("--n must be at least 2")
    p = Problem()
    p.nvars = n
    i = np.arange(n, dtype=np.float64)
    p.x = 1.0 + 0.5 * np.sin(0.37 * i) - np.where(np.arange(n) % 3 == 0, 0.1, 0.0)
    x = p.x
    t = x[1:] - x[:-1] * x[:-1]
    u = 1.0 - x[:-1]
    g = np.zeros(n)
    g[:-1] = -400.0 * x[:-1] * t - 2.0 * u
    g[1:] += 200.0 * t
    p.ref_objective = np.array([np.sum(100.0 * t * t + u * u)])
    p.ref_derivative = g
    p.ref_note = "checked against the closed-form gradient"
    p.name = f"n{n}"
    p.size_note = f"n={n}"
    return p


def load_problem(args):
    if args.problem == "rosenbrock":
        n = args.n if args.n is not None else (100000 if args.quick else 1000000)
        return load_rosenbrock(n)
    if not args.input:
        raise InputError(f"--problem {args.problem} needs --input FILE")
    if not os.path.isfile(args.input):
        raise InputError(f"cannot open {args.input}")
    if args.problem == "gmm":
        return load_gmm(args.input, args.expected_dir)
    if args.problem == "ba":
        return load_ba(args.input, args.expected_dir)
    if args.problem == "lstm":
        return load_lstm(args.input, args.expected_dir)
    complicated = args.complicated
    if complicated is None:  # inferred from the path: complicated_small/, hand_complicated.txt, ...
        complicated = "complicated" in relative_to_problem(args.input, "hand")
    return load_hand(args.input, args.expected_dir, complicated)


def instance_name(args):
    """The instance's name without reading it (for error rows)."""
    if args.instance:
        return args.instance
    if args.problem == "rosenbrock":
        return f"n{args.n if args.n is not None else (100000 if args.quick else 1000000)}"
    if not args.input:
        return ""
    if args.problem == "hand":  # as load_hand names it: the path below hand/, e.g. simple_small/hand1_t26_c100
        return os.path.splitext(relative_to_problem(args.input, "hand"))[0]
    stem = os.path.splitext(os.path.basename(args.input))[0]
    return stem[4:] if args.problem == "gmm" and stem.startswith("gmm_") else stem


# =====================================================================================================================
# The objectives for JAX and PyTorch, written once over a small backend shim (the two differ in names: axis/dim,
# concatenate/cat, the way a scatter is written). The mathematics follows bench/adbench/*.hpp.
# =====================================================================================================================

class JaxOps:
    def __init__(self):
        import jax
        import jax.numpy as jnp
        import jax.scipy.special
        self.jax, self.np = jax, jnp
        self.exp, self.log, self.sin, self.cos = jnp.exp, jnp.log, jnp.sin, jnp.cos
        self.sqrt, self.tanh, self.where, self.einsum = jnp.sqrt, jnp.tanh, jnp.where, jnp.einsum
        self._lse = jax.scipy.special.logsumexp

    def const(self, a):
        return self.np.asarray(a)

    def sum(self, x, axis=None):
        return self.np.sum(x, axis=axis)

    def logsumexp(self, x, axis):
        return self._lse(x, axis=axis)

    def stack(self, xs, axis):
        return self.np.stack(xs, axis=axis)

    def concat(self, xs, axis):
        return self.np.concatenate(xs, axis=axis)

    def zeros(self, shape):
        return self.np.zeros(shape)

    def scatter_columns(self, zeros, columns, values):
        """zeros with values written into the given columns (out of place)."""
        return zeros.at[:, columns].set(values)


class TorchOps:
    def __init__(self):
        import torch
        self.torch = torch
        self.exp, self.log, self.sin, self.cos = torch.exp, torch.log, torch.sin, torch.cos
        self.sqrt, self.tanh, self.where, self.einsum = torch.sqrt, torch.tanh, torch.where, torch.einsum

    def const(self, a):
        import numpy as np
        a = np.ascontiguousarray(a)
        return self.torch.from_numpy(a.astype(np.float64) if a.dtype.kind == "f" else a)

    def sum(self, x, axis=None):
        return self.torch.sum(x) if axis is None else self.torch.sum(x, dim=axis)

    def logsumexp(self, x, axis):
        return self.torch.logsumexp(x, dim=axis)

    def stack(self, xs, axis):
        return self.torch.stack(xs, dim=axis)

    def concat(self, xs, axis):
        return self.torch.cat(xs, dim=axis)

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.torch.float64)

    def scatter_columns(self, zeros, columns, values):
        return zeros.index_copy(1, columns, values)


def gmm_objective(B, c, params, x):
    """ADBench's GMM objective (bench/adbench/gmm.hpp), vectorized over points and components. c holds the constants
    (sizes, tril indices as backend arrays, gamma, m, the constant term); x is the n x d points."""
    K, d, n = c["k"], c["d"], c["n"]
    tri = d * (d + 1) // 2
    alphas = params[:K]
    means = params[K:K + K * d].reshape(K, d)
    icf = params[K + K * d:].reshape(K, tri)
    q, l = icf[:, :d], icf[:, d:]
    sum_q = B.sum(q, 1)
    diag = B.exp(q)
    # L_c: strictly lower triangular, its entries column by column.
    L = B.scatter_columns(B.zeros((K, d * d)), c["tril_flat"], l).reshape(K, d, d)
    xc = x[:, None, :] - means[None, :, :]                     # n x K x d
    y = diag[None, :, :] * xc + B.einsum("kij,nkj->nki", L, xc)  # Q_c (x_i - mu_c)
    beta = alphas[None, :] + sum_q[None, :] - 0.5 * B.sum(y * y, 2)
    frobenius = B.sum(diag * diag, 1) + B.sum(l * l, 1)
    prior = B.sum(0.5 * c["gamma"] ** 2 * frobenius - c["m"] * sum_q)
    return c["constant"] + B.sum(B.logsumexp(beta, 1)) - n * B.logsumexp(alphas, 0) + prior


def cross(B, a, b):
    return B.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                    a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                    a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], -1)


def rotate(B, r, v):
    """R(r) v for an angle-axis r (bench/adbench/rotation.hpp): Rodrigues' formula with 1 - cos as 2 sin^2(theta/2),
    and v + r x v at theta = 0 (selected with where; the other branch is kept finite so that its derivative is too)."""
    theta2 = B.sum(r * r, -1)
    positive = theta2 > 0.0
    theta = B.sqrt(B.where(positive, theta2, 1.0 + 0.0 * theta2))
    k = r / theta[..., None]
    c, s = B.cos(theta), B.sin(theta)
    h = B.sin(0.5 * theta)
    omc = 2.0 * h * h
    kv = B.sum(k * v, -1)
    rodrigues = v * c[..., None] + cross(B, k, v) * s[..., None] + k * (kv * omc)[..., None]
    first_order = v + cross(B, r, v)
    return B.where(positive[..., None], rodrigues, first_order)


def ba_block(B, cam, X, w, feat):
    """One observation's two reprojection residuals (bench/adbench/ba.hpp); works on a batch too (leading axes)."""
    v = X - cam[..., 3:6]
    xcam = rotate(B, cam[..., 0:3], v)
    q = xcam[..., 0:2] / xcam[..., 2:3]
    rsq = B.sum(q * q, -1)
    scale = cam[..., 6] * (1.0 + cam[..., 9] * rsq + cam[..., 10] * rsq * rsq)
    return w[..., None] * (scale[..., None] * q + cam[..., 7:9] - feat)


def ba_block15(B, z, feat):
    """ba_block as a function of the 15 block inputs (camera 11, point 3, weight) in ADBench's column order."""
    return ba_block(B, z[..., 0:11], z[..., 11:14], z[..., 14], feat)


def small_matmul(B, a, b):
    """a @ b for small matrices (3 x 3, 3 x 4), as a broadcast product and a sum: XLA's CPU backend and eager torch
    run a batch of tiny matrix products one library call per product, which costs far more than the arithmetic."""
    return B.sum(a[..., :, :, None] * b[..., None, :, :], -2)


def compose(B, a, b):
    """The product of affine transforms given by their 3 x 4 tops: [a3 b3, a3 b_t + a_t]."""
    return small_matmul(B, a[..., :3], b) + B.concat([0.0 * a[..., :3], a[..., 3:4]], -1)


def hand_residuals(B, c, x):
    """The hand residuals (bench/adbench/hand.hpp) at x = theta (simple) or (delta1, delta2, theta) (complicated).
    Every vertex of the model is skinned, as in ADBench; c holds the model and the data as backend arrays."""
    if c["complicated"]:
        delta, theta = x[0:2], x[2:]
    else:
        theta = x
    th0 = B.concat([theta, B.zeros((1,))], 0)
    ax, az = th0[c["idx_x"]], th0[c["idx_z"]]  # each bone's x- and z-angle (y is 0)
    cx, sx, cz, sz = B.cos(ax), B.sin(ax), B.cos(az), B.sin(az)
    zero = 0.0 * cx
    # R_z(z) R_y(0) R_x(x), 22 x 3 x 3.
    R = B.stack([B.stack([cz, -sz * cx, sz * sx], -1),
                 B.stack([sz, cz * cx, -cz * sx], -1),
                 B.stack([zero, sx, cx], -1)], -2)
    base_rel = c["base_rel"]
    rel = B.concat([small_matmul(B, base_rel[:, :, :3], R), base_rel[:, :, 3:4]], 2)  # B_b [R_b 0; 0 1]
    absolute = []
    for b, parent in enumerate(c["parents"]):
        if parent < 0:
            absolute.append(rel[b])
        else:
            absolute.append(compose(B, absolute[parent], rel[b]))
    A = B.stack(absolute, 0)
    T = compose(B, A, c["inv_abs"])  # 22 x 3 x 4
    M = (c["weights"] @ T.reshape(HAND_BONES, 12)).reshape(-1, 3, 4)  # blended transform per vertex
    p = B.sum(M[:, :, :3] * c["base"][:, None, :], 2) + M[:, :, 3]
    q = rotate(B, theta[0:3], p) + theta[3:6]
    if not c["complicated"]:
        return (c["points"] - q[c["corr"]]).reshape(-1)
    u = c["us"] + delta
    u1, u2 = u[:, 0:1], u[:, 1:2]
    tri = c["tri"]
    model = u1 * q[tri[:, 0]] + u2 * q[tri[:, 1]] + (1.0 - u1 - u2) * q[tri[:, 2]]
    return (c["points"] - model).reshape(-1)


def hand_constants(B, p):
    c = {"complicated": p.complicated, "idx_x": B.const(p.idx_x), "idx_z": B.const(p.idx_z),
         "parents": p.parents, "base_rel": B.const(p.base_rel), "inv_abs": B.const(p.inv_abs),
         "weights": B.const(p.weights), "base": B.const(p.base), "points": B.const(p.points),
         "corr": B.const(p.corr)}
    if p.complicated:
        c["us"] = B.const(p.us)
        c["tri"] = B.const(p.triangles[p.corr])
    return c


def lstm_step(B, l, state, xt, xnext, W, Bi, extra):
    """One character: the layers in turn on u = x_t * in_weight (bench/adbench/lstm.hpp), the prediction y, and this
    character's term sum_k x_{t+1,k} (y_k - log(2 + sum exp y)). state is l x 2 x b (hidden, cell); W, Bi are
    l x 4 x b (forget, ingate, outgate, change)."""
    u = xt * extra[0]
    new_state = []
    for j in range(l):
        h, s = state[j][0], state[j][1]
        z = B.stack([u, h, u, h], 0) * W[j] + Bi[j]  # forget and outgate read the input, ingate and change h
        gates = 1.0 / (1.0 + B.exp(-z[0:3]))
        s = s * gates[0] + gates[1] * B.tanh(z[3])
        h = gates[2] * B.tanh(s)
        new_state.append((h, s))
        u = h
    y = u * extra[1] + extra[2]
    normalizer = B.logsumexp(B.concat([y, B.zeros((1,)) + math.log(2.0)], 0), 0)
    return new_state, B.sum(xnext * (y - normalizer))


def rosenbrock_objective(B, x):
    t = x[1:] - x[:-1] * x[:-1]
    u = 1.0 - x[:-1]
    return B.sum(100.0 * t * t + u * u)


# =====================================================================================================================
# The tools. Each builder returns a Setup: primal() and derivative() evaluate once (returning the tool's own output),
# to_objective / to_derivative turn those outputs into the canonical flat numpy layout for the check.
# =====================================================================================================================

class Setup:
    def __init__(self):
        self.primal = None
        self.derivative = None
        self.to_objective = None
        self.to_derivative = None
        self.compile_ns = None
        self.notes = []


def build_jax(p, problem):
    import numpy as np
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    B = JaxOps()
    s = Setup()

    def aot(fn, *args):
        """Compiles fn for args ahead of time; returns the executable and the seconds it took."""
        start = time.perf_counter_ns()
        compiled = jax.jit(fn).lower(*args).compile()
        return compiled, time.perf_counter_ns() - start

    if problem == "gmm":
        c = {"k": p.k, "d": p.d, "n": p.n, "gamma": float(p.gamma), "m": float(p.m), "constant": p.constant,
             "tril_flat": jnp.asarray(p.tril_rows * p.d + p.tril_cols)}
        args = (jnp.asarray(p.params), jnp.asarray(p.x))
        f = lambda params, x: gmm_objective(B, c, params, x)
        fp, fp_ns = aot(f, *args)
        fd, fd_ns = aot(jax.grad(f), *args)
        s.primal = lambda: fp(*args).block_until_ready()
        s.derivative = lambda: fd(*args).block_until_ready()
        s.to_objective = lambda out: np.asarray(out).reshape(1)
        s.to_derivative = lambda out: np.asarray(out)
        s.notes.append("jit(grad(f))")
    elif problem == "ba":
        args = (jnp.asarray(p.cams), jnp.asarray(p.X), jnp.asarray(p.w), jnp.asarray(p.feats),
                jnp.asarray(p.cam_idx), jnp.asarray(p.pt_idx))

        def residuals(cams, X, w, feats, ci, pi):
            return ba_block(B, cams[ci], X[pi], w, feats), 1.0 - w * w

        def jacobian(cams, X, w, feats, ci, pi):
            # The CSR values in two buffers: p x 2 x 15 (rows 2i, 2i+1: camera, point, weight columns) and the p
            # weight rows. Reverse mode (2 cotangents per observation) measured about twice as fast as jacfwd
            # (15 tangents) here.
            z = jnp.concatenate([cams[ci], X[pi], w[:, None]], 1)  # p x 15 block inputs
            blocks = jax.vmap(jax.jacrev(lambda zz, ff: ba_block15(B, zz, ff)))(z, feats)
            return blocks, jax.vmap(jax.grad(lambda ww: 1.0 - ww * ww))(w)

        fp, fp_ns = aot(residuals, *args)
        fd, fd_ns = aot(jacobian, *args)
        s.primal = lambda: jax.block_until_ready(fp(*args))
        s.derivative = lambda: jax.block_until_ready(fd(*args))
        s.to_objective = lambda out: np.concatenate([np.asarray(out[0]).ravel(), np.asarray(out[1])])
        s.to_derivative = lambda out: np.concatenate([np.asarray(out[0]).ravel(), np.asarray(out[1])])
        s.notes.append("jit(vmap(jacrev(block))) for the 2x15 blocks (jacfwd was about 2x slower), vmap(grad) for "
                       "the weight rows")
    elif problem == "hand":
        # The model's arrays are arguments, not constants captured by the closure (XLA would fold those at
        # compile time, slowly); the bone hierarchy and the variant stay Python values.
        c = hand_constants(B, p)
        fixed = {k: v for k, v in c.items() if k in ("complicated", "parents")}
        data = {k: v for k, v in c.items() if k not in fixed}
        x = jnp.asarray(p.x0)
        f = lambda xx, dd: hand_residuals(B, {**fixed, **dd}, xx)
        fp, fp_ns = aot(f, x, data)
        fd, fd_ns = aot(jax.jacfwd(f), x, data)
        s.primal = lambda: fp(x, data).block_until_ready()
        s.derivative = lambda: fd(x, data).block_until_ready()
        s.to_objective = lambda out: np.asarray(out)
        s.to_derivative = lambda out: np.asarray(out).ravel()
        s.notes.append(f"jit(jacfwd(f)), dense 3N x {p.ncols}")
    elif problem == "lstm":
        l, b, cc = p.l, p.b, p.c
        args = (jnp.asarray(p.params), jnp.asarray(p.state), jnp.asarray(p.seq))

        def f(params, state0, seq):
            main = params[:8 * l * b].reshape(l, 2, 4, b)
            W, Bi = main[:, 0], main[:, 1]
            extra = params[8 * l * b:].reshape(3, b)

            def step(state, xs):
                new_state, term = lstm_step(B, l, state, xs[0], xs[1], W, Bi, extra)
                return jnp.stack([jnp.stack(hs) for hs in new_state]), term

            _, terms = jax.lax.scan(step, state0.reshape(l, 2, b), (seq[:-1], seq[1:]))
            return -jnp.sum(terms) / ((cc - 1) * b)

        fp, fp_ns = aot(f, *args)
        fd, fd_ns = aot(jax.grad(f), *args)
        s.primal = lambda: fp(*args).block_until_ready()
        s.derivative = lambda: fd(*args).block_until_ready()
        s.to_objective = lambda out: np.asarray(out).reshape(1)
        s.to_derivative = lambda out: np.asarray(out)
        s.notes.append("jit(grad(f)) over lax.scan")
    else:
        x = jnp.asarray(p.x)
        f = lambda xx: rosenbrock_objective(B, xx)
        fp, fp_ns = aot(f, x)
        fd, fd_ns = aot(jax.grad(f), x)
        s.primal = lambda: fp(x).block_until_ready()
        s.derivative = lambda: fd(x).block_until_ready()
        s.to_objective = lambda out: np.asarray(out).reshape(1)
        s.to_derivative = lambda out: np.asarray(out)
        s.notes.append("jit(grad(f))")
    s.compile_ns = fd_ns
    s.notes.append(f"compile: primal {fp_ns / 1e9:.3g} s, derivative {fd_ns / 1e9:.3g} s (not in the ratio)")
    s.notes.append(f"jax {jax.__version__}")
    return s


def build_torch(p, problem):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (only possible before any parallel work)
    torch.set_default_dtype(torch.float64)
    from torch.func import grad, jacfwd, jacrev, vmap
    B = TorchOps()
    s = Setup()

    def gradient_of(f, x0, *consts):
        """An evaluation of f's gradient by autograd: f recorded on a fresh leaf, then backward()."""
        def run():
            x = x0.detach().requires_grad_(True)
            f(x, *consts).backward()
            return x.grad
        return run

    def no_grad(f, *args):
        def run():
            with torch.no_grad():
                return f(*args)
        return run

    if problem == "gmm":
        c = {"k": p.k, "d": p.d, "n": p.n, "gamma": float(p.gamma), "m": float(p.m), "constant": p.constant,
             "tril_flat": torch.from_numpy(p.tril_rows * p.d + p.tril_cols)}
        params, x = B.const(p.params), B.const(p.x)
        f = lambda pp, xx: gmm_objective(B, c, pp, xx)
        s.primal = no_grad(f, params, x)
        s.derivative = gradient_of(f, params, x)
        s.to_objective = lambda out: out.detach().numpy().reshape(1)
        s.to_derivative = lambda out: out.numpy()
        s.notes.append("eager, backward()")
    elif problem == "ba":
        cams, X, w, feats = B.const(p.cams), B.const(p.X), B.const(p.w), B.const(p.feats)
        ci, pi = torch.from_numpy(p.cam_idx), torch.from_numpy(p.pt_idx)

        def residuals():
            with torch.no_grad():
                return ba_block(B, cams[ci], X[pi], w, feats), 1.0 - w * w

        block_jacobian = vmap(jacrev(lambda zz, ff: ba_block15(B, zz, ff)))
        weight_derivative = vmap(grad(lambda ww: 1.0 - ww * ww))

        def jacobian():
            # The CSR values in two buffers, as for JAX: p x 2 x 15 blocks and the p weight rows.
            z = torch.cat([cams[ci], X[pi], w[:, None]], 1)
            return block_jacobian(z, feats), weight_derivative(w)

        s.primal = residuals
        s.derivative = jacobian
        s.to_objective = lambda out: np.concatenate([out[0].numpy().ravel(), out[1].numpy()])
        s.to_derivative = lambda out: np.concatenate([out[0].detach().numpy().ravel(), out[1].detach().numpy()])
        s.notes.append("torch.func vmap(jacrev(block)) for the 2x15 blocks, vmap(grad) for the weight rows")
    elif problem == "hand":
        c = hand_constants(B, p)
        x = B.const(p.x0)
        f = lambda xx: hand_residuals(B, c, xx)
        jac = jacfwd(f)
        s.primal = no_grad(f, x)
        s.derivative = lambda: jac(x)
        s.to_objective = lambda out: out.numpy()
        s.to_derivative = lambda out: out.detach().numpy().ravel()
        s.notes.append(f"torch.func.jacfwd, dense 3N x {p.ncols}")
    elif problem == "lstm":
        l, b, cc = p.l, p.b, p.c
        state0 = B.const(p.state).reshape(l, 2, b)
        seq = B.const(p.seq)
        params = B.const(p.params)

        def f(pp):
            main = pp[:8 * l * b].reshape(l, 2, 4, b)
            W, Bi = main[:, 0], main[:, 1]
            extra = pp[8 * l * b:].reshape(3, b)
            state = [(state0[j, 0], state0[j, 1]) for j in range(l)]
            total = 0.0
            for t in range(cc - 1):
                state, term = lstm_step(B, l, state, seq[t], seq[t + 1], W, Bi, extra)
                total = total + term
            return -total / ((cc - 1) * b)

        s.primal = no_grad(f, params)
        s.derivative = gradient_of(f, params)
        s.to_objective = lambda out: out.detach().numpy().reshape(1)
        s.to_derivative = lambda out: out.numpy()
        s.notes.append("eager, backward()")
    else:
        x = B.const(p.x)
        f = lambda xx: rosenbrock_objective(B, xx)
        s.primal = no_grad(f, x)
        s.derivative = gradient_of(f, x)
        s.to_objective = lambda out: out.detach().numpy().reshape(1)
        s.to_derivative = lambda out: out.numpy()
        s.notes.append("eager, backward()")
    s.notes.append(f"torch {torch.__version__}, {torch.get_num_threads()} thread")
    return s


# --- CasADi ---------------------------------------------------------------------------------------------------------

def casadi_rotate(ca, r, v):
    """R(r) v in SX, as rotate() above."""
    theta2 = ca.dot(r, r)
    positive = theta2 > 0
    theta = ca.sqrt(ca.if_else(positive, theta2, 1.0))
    k = r / theta
    h = ca.sin(0.5 * theta)
    rodrigues = v * ca.cos(theta) + ca.cross(k, v) * ca.sin(theta) + k * (ca.dot(k, v) * 2.0 * h * h)
    return ca.if_else(positive, rodrigues, v + ca.cross(r, v))


def casadi_functions(p, problem):
    """The primal and derivative as CasADi Functions, the numpy inputs they take (one array per input, flat in
    CasADi's column-major order) and how their outputs map to the canonical layout."""
    import numpy as np
    import casadi as ca
    SX, MX = ca.SX, ca.MX

    if problem == "rosenbrock":
        n = p.nvars
        a, b = SX.sym("a"), SX.sym("b")
        term = ca.Function("rb_term", [a, b], [100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2])
        x = MX.sym("x", n)
        f = ca.sum2(term.map(n - 1, "serial")(x[0:n - 1].T, x[1:n].T))
        F = ca.Function("kp_primal", [x], [f])
        G = ca.Function("kp_derivative", [x], [ca.densify(ca.gradient(f, x))])
        return F, G, [p.x], (lambda outs: outs[0]), (lambda outs: outs[0]), "map over the n-1 terms"

    if problem == "gmm":
        K, d, n = p.k, p.d, p.n
        tri = d * (d + 1) // 2
        nl = tri - d
        # One point and one component: beta = a - 1/2 |diag * xc + L xc|^2, a = alpha + sum q.
        a, mu, dg, lo, xs = SX.sym("a"), SX.sym("mu", d), SX.sym("dg", d), SX.sym("lo", nl), SX.sym("x", d)
        xc = xs - mu
        y = dg * xc
        if nl:
            Lm = SX(d, d)
            for j, (r, cl) in enumerate(zip(p.tril_rows, p.tril_cols)):
                Lm[int(r), int(cl)] = lo[j]
            y = y + ca.mtimes(Lm, xc)
        pc = ca.Function("gmm_pc", [a, mu, dg, lo, xs], [a - 0.5 * ca.sumsqr(y)])
        # One point, every component (x shared), then its log-sum-exp with the largest beta subtracted.
        A, MU, DG, LO, XP = MX.sym("A", 1, K), MX.sym("MU", d, K), MX.sym("DG", d, K), MX.sym("LO", nl, K), MX.sym("x", d)
        beta = pc.map("gmm_pcK", "serial", K, [4], [])(A, MU, DG, LO, XP)
        top = ca.mmax(beta)
        pt = ca.Function("gmm_pt", [A, MU, DG, LO, XP], [ca.log(ca.sum2(ca.exp(beta - top))) + top])
        points = pt.map("gmm_points", "serial", n, [0, 1, 2, 3], [0])  # summed over the points
        P, X = MX.sym("P", p.params.size), MX.sym("X", d, n)
        alphas = P[0:K]
        means = ca.reshape(P[K:K + K * d], d, K)
        icf = ca.reshape(P[K + K * d:], tri, K)
        q, l = icf[0:d, :], icf[d:, :]
        sum_q = ca.sum1(q)
        diag = ca.exp(q)
        sum_lse = points(alphas.T + sum_q, means, diag, l, X)
        top_a = ca.mmax(alphas)
        lse_a = ca.log(ca.sum1(ca.exp(alphas - top_a))) + top_a
        prior = ca.sum2(0.5 * float(p.gamma) ** 2 * (ca.sum1(diag * diag) + ca.sum1(l * l)) - p.m * sum_q)
        f = p.constant + sum_lse - n * lse_a + prior
        F = ca.Function("kp_primal", [P, X], [f])
        G = ca.Function("kp_derivative", [P, X], [ca.densify(ca.gradient(f, P))])
        return (F, G, [p.params, p.x.ravel()], (lambda outs: outs[0]), (lambda outs: outs[0]),
                "SX per point and component, MX map over components and points")

    if problem == "ba":
        cam, X, w, feat = SX.sym("cam", 11), SX.sym("X", 3), SX.sym("w"), SX.sym("feat", 2)
        xcam = casadi_rotate(ca, cam[0:3], X - cam[3:6])
        q = xcam[0:2] / xcam[2]
        rsq = ca.sumsqr(q)
        scale = cam[6] * (1.0 + cam[9] * rsq + cam[10] * rsq * rsq)
        r = w * (scale * q + cam[7:9] - feat)
        blk = ca.Function("ba_blk", [cam, X, w, feat], [r])
        # The transposed 2 x 15 block: mapped over p its columns are ADBench's CSR values in order.
        blk_j = ca.Function("ba_blkj", [cam, X, w, feat], [ca.densify(ca.jacobian(r, ca.vertcat(cam, X, w))).T])
        wj = ca.Function("ba_wj", [w], [ca.jacobian(1.0 - w * w, w)])
        nobs = p.p
        CAMS, XS, W, FEATS = MX.sym("cams", 11, p.n), MX.sym("X", 3, p.m), MX.sym("w", 1, nobs), MX.sym("feats", 2, nobs)
        cg, xg = CAMS[:, p.cam_idx.tolist()], XS[:, p.pt_idx.tolist()]
        F = ca.Function("kp_primal", [CAMS, XS, W, FEATS],
                        [blk.map(nobs, "serial")(cg, xg, W, FEATS), 1.0 - W * W])
        G = ca.Function("kp_derivative", [CAMS, XS, W, FEATS],
                        [blk_j.map(nobs, "serial")(cg, xg, W, FEATS), wj.map(nobs, "serial")(W)])
        inputs = [p.cams.ravel(), p.X.ravel(), p.w, p.feats.ravel()]
        return (F, G, inputs, (lambda outs: np.concatenate(outs)), (lambda outs: np.concatenate(outs)),
                "SX block and its 2x15 jacobian, MX map over the observations")

    if problem == "hand":
        # SX for the 22 bone transforms and the global rotation (functions of theta), the skinning weights as a
        # sparse constant matrix (M = T W^T: each vertex's blended 3 x 4 transform), an SX function per vertex mapped
        # over every vertex of the model, then the residuals in MX. (All in SX, the Jacobian's generated C grows
        # with N and gcc takes minutes.)
        th = SX.sym("theta", HAND_THETAS)
        absolute, columns = [], []
        for bone in range(HAND_BONES):
            ix, iz = hand_bone_thetas(bone)
            rel = SX(p.base_rel[bone])
            if ix >= 0:
                ax = th[ix]
                az = th[iz] if iz >= 0 else SX(0)
                cx, sx, cz, sz = ca.cos(ax), ca.sin(ax), ca.cos(az), ca.sin(az)
                R = ca.vertcat(ca.horzcat(cz, -sz * cx, sz * sx), ca.horzcat(sz, cz * cx, -cz * sx),
                               ca.horzcat(0, sx, cx))
                rel = ca.horzcat(ca.mtimes(rel[:, 0:3], R), rel[:, 3])
            parent = p.parents[bone]
            if parent >= 0:
                a = absolute[parent]
                rel = ca.horzcat(ca.mtimes(a[:, 0:3], rel[:, 0:3]), ca.mtimes(a[:, 0:3], rel[:, 3]) + a[:, 3])
            absolute.append(rel)
            inv = SX(p.inv_abs[bone])
            T = ca.horzcat(ca.mtimes(rel[:, 0:3], inv[:, 0:3]), ca.mtimes(rel[:, 0:3], inv[:, 3]) + rel[:, 3])
            columns.append(ca.reshape(T.T, 12, 1))  # row-major
        # The global rotation R(r) as its 9 entries (row-major), by Rodrigues' formula as in casadi_rotate.
        rg = ca.horzcat(*[casadi_rotate(ca, th[0:3], SX(e)) for e in np.eye(3)])  # columns R e_j
        pose = ca.Function("hand_pose", [th], [ca.horzcat(*columns), ca.reshape(rg.T, 9, 1)])
        m, base, rot, t = SX.sym("m", 12), SX.sym("base", 3), SX.sym("rot", 9), SX.sym("t", 3)
        M = ca.reshape(m, 4, 3).T
        pos = ca.mtimes(M[:, 0:3], base) + M[:, 3]
        vertex = ca.Function("hand_vertex", [m, base, rot, t], [ca.mtimes(ca.reshape(rot, 3, 3).T, pos) + t])
        nv = p.base.shape[0]
        vv, bb = np.nonzero(p.weights)
        weights_t = ca.DM(ca.Sparsity.triplet(HAND_BONES, nv, bb.tolist(), vv.tolist()),
                          p.weights[vv, bb].tolist())
        x = MX.sym("x", p.ncols)
        theta = x[2:] if p.complicated else x
        tmat, rot_g = pose(theta)
        Q = vertex.map("hand_vertices", "serial", nv, [2, 3], [])(ca.mtimes(tmat, weights_t), ca.DM(p.base.T),
                                                                   rot_g, theta[3:6])
        points = ca.DM(p.points.T)
        if p.complicated:
            tri = p.triangles[p.corr]
            u1 = ca.repmat(ca.DM(p.us[:, 0]).T + x[0], 3, 1)
            u2 = ca.repmat(ca.DM(p.us[:, 1]).T + x[1], 3, 1)
            err = points - (u1 * Q[:, tri[:, 0].tolist()] + u2 * Q[:, tri[:, 1].tolist()] +
                            (1.0 - u1 - u2) * Q[:, tri[:, 2].tolist()])
        else:
            err = points - Q[:, p.corr.tolist()]
        err = ca.vec(err)  # err[3i + k]
        F = ca.Function("kp_primal", [x], [err])
        G = ca.Function("kp_derivative", [x], [ca.densify(ca.jacobian(err, x))])
        rows = 3 * len(p.corr)
        return (F, G, [p.x0], (lambda outs: outs[0]),
                (lambda outs: outs[0].reshape(p.ncols, rows).T.ravel()),
                f"SX pose and per-vertex functions, MX map over the {nv} vertices, sparse skinning weights")

    # lstm
    l, b, cc = p.l, p.b, p.c
    st, xt, xn = SX.sym("state", 2 * l * b), SX.sym("xt", b), SX.sym("xn", b)
    prm = SX.sym("params", 8 * l * b + 3 * b)
    main = prm[0:8 * l * b]
    in_w, out_w, out_b = prm[8 * l * b:8 * l * b + b], prm[8 * l * b + b:8 * l * b + 2 * b], prm[8 * l * b + 2 * b:]
    u = xt * in_w
    new_state = []
    for j in range(l):
        W = main[8 * j * b:8 * j * b + 4 * b]
        Bi = main[8 * j * b + 4 * b:8 * j * b + 8 * b]
        h, s = st[2 * j * b:2 * j * b + b], st[2 * j * b + b:2 * j * b + 2 * b]
        sig = lambda z: 1.0 / (1.0 + ca.exp(-z))
        forget = sig(u * W[0:b] + Bi[0:b])
        ingate = sig(h * W[b:2 * b] + Bi[b:2 * b])
        outgate = sig(u * W[2 * b:3 * b] + Bi[2 * b:3 * b])
        change = ca.tanh(h * W[3 * b:4 * b] + Bi[3 * b:4 * b])
        s = s * forget + ingate * change
        h = outgate * ca.tanh(s)
        new_state += [h, s]
        u = h
    y = u * out_w + out_b
    ylog2 = ca.vertcat(y, math.log(2.0))
    top = ca.mmax(ylog2)
    normalizer = ca.log(ca.sum1(ca.exp(ylog2 - top))) + top
    step = ca.Function("lstm_step", [st, xt, xn, prm], [ca.vertcat(*new_state), ca.dot(xn, y - normalizer)])
    acc = step.mapaccum("lstm_sequence", cc - 1)  # the state carries over, the other inputs are per character
    P, S0, SEQ = MX.sym("P", prm.numel()), MX.sym("S0", 2 * l * b), MX.sym("seq", b, cc)
    _, terms = acc(S0, SEQ[:, 0:cc - 1], SEQ[:, 1:cc], P)
    f = -ca.sum2(terms) / ((cc - 1) * b)
    F = ca.Function("kp_primal", [P, S0, SEQ], [f])
    G = ca.Function("kp_derivative", [P, S0, SEQ], [ca.densify(ca.gradient(f, P))])
    return (F, G, [p.params, p.state, p.seq.ravel()], (lambda outs: outs[0]), (lambda outs: outs[0]),
            "SX step, MX mapaccum over the characters")


class CompiledFunction:
    """A function from CasADi's generated C, called through ctypes on numpy buffers (inputs are not copied; the
    outputs are written into preallocated arrays)."""

    def __init__(self, lib, name, inputs, function, prefix):
        import ctypes
        import numpy as np
        self._ctypes = ctypes
        self.fn = getattr(lib, name)
        self.fn.restype = ctypes.c_int
        self.fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        work = getattr(lib, name + "_work")
        work.restype = ctypes.c_int
        sizes = [ctypes.c_longlong() for _ in range(4)]
        if getattr(lib, prefix + "_casadi_int_size")() != 8:
            raise RuntimeError("the generated code's casadi_int is not 64-bit")
        work(*[ctypes.byref(s) for s in sizes])
        sz_arg, sz_res, sz_iw, sz_w = (s.value for s in sizes)
        self.inputs = [np.ascontiguousarray(a, dtype=np.float64) for a in inputs]
        self.outputs = [np.zeros(function.nnz_out(i)) for i in range(function.n_out())]
        self.arg = (ctypes.c_void_p * max(sz_arg, len(self.inputs)))()
        for i, a in enumerate(self.inputs):
            self.arg[i] = a.ctypes.data
        self.res = (ctypes.c_void_p * max(sz_res, len(self.outputs)))()
        for i, o in enumerate(self.outputs):
            self.res[i] = o.ctypes.data
        self.iw = np.zeros(max(sz_iw, 1), dtype=np.int64)
        self.w = np.zeros(max(sz_w, 1))
        getattr(lib, name + "_incref")()
        self.mem = getattr(lib, name + "_checkout")()
        self.call_args = (self.arg, self.res, self.iw.ctypes.data, self.w.ctypes.data, self.mem)

    def __call__(self):
        if self.fn(*self.call_args):
            raise RuntimeError("the generated function returned an error")
        return self.outputs


def build_casadi(p, problem):
    import numpy as np
    import casadi as ca
    import shutil
    import tempfile
    s = Setup()
    start = time.perf_counter_ns()
    F, G, inputs, to_obj, to_der, structure = casadi_functions(p, problem)
    build_ns = time.perf_counter_ns() - start
    s.notes.append(structure)
    s.notes.append(f"graph built in {build_ns / 1e9:.3g} s")
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    compiled = False
    if compiler and os.environ.get("KINASE_CASADI_CODEGEN", "1") != "0":
        workdir = tempfile.mkdtemp(prefix="kinase-casadi-")
        try:
            start = time.perf_counter_ns()
            source = os.path.join(workdir, "kp_functions.c")
            gen = ca.CodeGenerator("kp_functions.c", {"with_header": False})
            gen.add(F)
            gen.add(G)
            cwd = os.getcwd()
            os.chdir(workdir)
            try:
                gen.generate()
            finally:
                os.chdir(cwd)
            library = os.path.join(workdir, "kp_functions.so")
            cmd = [compiler, "-O3", "-march=native", "-shared", "-fPIC", source, "-o", library, "-lm"]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed: {run.stderr.strip()[-500:]}")
            import ctypes
            lib = ctypes.CDLL(library)
            primal = CompiledFunction(lib, "kp_primal", inputs, F, "kp_functions")
            derivative = CompiledFunction(lib, "kp_derivative", inputs, G, "kp_functions")
            s.compile_ns = time.perf_counter_ns() - start
            s.primal, s.derivative = primal, derivative
            s.to_objective = lambda outs: to_obj([o.copy() for o in outs])
            s.to_derivative = lambda outs: to_der([o.copy() for o in outs])
            size = os.path.getsize(source)
            s.notes.append(f"C code generation ({size // 1024} KiB) + {os.path.basename(compiler)} -O3 -march=native "
                           f"in {s.compile_ns / 1e9:.3g} s (not in the ratio), called through ctypes")
            compiled = True
        except Exception as e:  # fall back to CasADi's virtual machine
            s.notes.append(f"code generation failed ({e})")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)  # the library stays mapped after its file is removed
    if not compiled:
        # The flat inputs are column-major; give each the shape that its Function input declares.
        dm_inputs = [ca.DM(np.asarray(a, dtype=np.float64).reshape(F.size_in(i), order="F"))
                     for i, a in enumerate(inputs)]
        s.primal = lambda: F(*dm_inputs)
        s.derivative = lambda: G(*dm_inputs)

        def outs_of(result):
            result = result if isinstance(result, (list, tuple)) else [result]
            return [np.array(r, dtype=np.float64).ravel(order="F") for r in result]

        s.to_objective = lambda r: to_obj(outs_of(r))
        s.to_derivative = lambda r: to_der(outs_of(r))
        s.notes.append("called from Python (CasADi's virtual machine, no generated code)")
    s.notes.append(f"casadi {ca.__version__}")
    return s


BUILDERS = {"jax": build_jax, "torch": build_torch, "casadi": build_casadi}


# =====================================================================================================================
# Timing (as bench/harness.hpp: warm-up, batches of >= 1 ms, interleaved rounds, median).
# =====================================================================================================================

class TooSlow(Exception):
    pass


def timed_once(fn, what, limit_s):
    start = time.perf_counter_ns()
    out = fn()
    ns = time.perf_counter_ns() - start
    if ns > limit_s * 1e9:
        raise TooSlow(f"one {what} evaluation took {ns / 1e9:.3g} s, over the time limit of {limit_s:g} s")
    return out, ns


def measure(cases, rounds, batch_ns, warmup_ns, limit_s):
    """Median ns per evaluation of each case (name, fn). Each case warms up for warmup_ns (at least one call),
    its batch is sized to last batch_ns, then the cases run interleaved, the order rotating each round."""
    batch = []
    for name, fn in cases:
        fastest, spent = None, 0
        while fastest is None or spent < warmup_ns:
            _, ns = timed_once(fn, name, limit_s)
            fastest = ns if fastest is None else min(fastest, ns)
            spent += ns
        batch.append(max(1, math.ceil(batch_ns / max(fastest, 1))))
    samples = [[] for _ in cases]
    for r in range(rounds):
        for j in range(len(cases)):
            c = (j + r) % len(cases)
            name, fn = cases[c]
            start = time.perf_counter_ns()
            for _ in range(batch[c]):
                fn()
            per = (time.perf_counter_ns() - start) / batch[c]
            if per > limit_s * 1e9:
                raise TooSlow(f"one {name} evaluation took {per / 1e9:.3g} s, over the time limit of {limit_s:g} s")
            samples[c].append(per)
    out = []
    for s in samples:
        s = sorted(s)
        mid = len(s) // 2
        out.append(s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid]))
    return out, batch


def run_worker(args):
    """Runs one tool and returns its result row."""
    row = {k: None for k in FIELDS}
    row.update(problem=args.problem, instance=instance_name(args), tool=args.worker, status="error", note="")
    notes = []
    try:
        p = load_problem(args)
    except InputError as e:
        row["note"] = str(e)
        return row
    except ImportError as e:
        row["note"] = f"cannot import: {e}"
        return row
    if not args.instance:
        row["instance"] = p.name
    where = f"[{args.worker} {args.problem} {row['instance']}]"
    log(f"{where} {p.size_note}: building")
    try:
        s = BUILDERS[args.worker](p, args.problem)
    except ImportError as e:
        row["note"] = f"cannot import: {e}"
        return row
    except Exception as e:
        row["note"] = f"building failed: {type(e).__name__}: {e}"
        return row
    row["compile_ns"] = s.compile_ns
    notes += s.notes
    try:
        log(f"{where} checking")
        obj_out, _ = timed_once(s.primal, "primal", args.time_limit)
        objective = s.to_objective(obj_out)
        der_out, _ = timed_once(s.derivative, "derivative", args.time_limit)
        derivative = s.to_derivative(der_out)
        if p.ref_objective is None or p.ref_derivative is None:
            notes.insert(0, "no reference in expected/: not checked")
        else:
            e_obj = adbench_difference(objective, p.ref_objective)
            e_der = adbench_difference(derivative, p.ref_derivative)
            row["max_error"] = max(e_obj, e_der)
            notes.insert(0, f"worst difference: objective {e_obj:.2g}, derivative {e_der:.2g}")
            if p.ref_note:
                notes.insert(1, p.ref_note)
            if not row["max_error"] <= args.tolerance:
                row["status"] = "mismatch"
                notes.insert(0, f"over the tolerance {args.tolerance:g}: not timed")
                return row
        log(f"{where} timing, {args.repeat} rounds")
        quick = args.quick
        (primal_ns, derivative_ns), batch = measure([("primal", s.primal), ("derivative", s.derivative)],
                                                    args.repeat, 2.0e5 if quick else 1.0e6,
                                                    2.0e6 if quick else 2.0e7, args.time_limit)
        row.update(primal_ns=primal_ns, derivative_ns=derivative_ns, ratio=derivative_ns / primal_ns, status="ok")
        notes.append(f"batches of {batch[0]} and {batch[1]}")
        log(f"{where} primal {primal_ns / 1e6:.4g} ms, derivative {derivative_ns / 1e6:.4g} ms, "
            f"ratio {derivative_ns / primal_ns:.3g}")
    except TooSlow as e:
        row["status"] = "skipped"
        notes.insert(0, str(e))
    except Exception as e:
        row["status"] = "error"
        notes.insert(0, f"{type(e).__name__}: {e}")
    finally:
        row["note"] = "; ".join(n for n in notes if n)
    return row


# =====================================================================================================================
# The parent: one child process per tool, each with a hard deadline.
# =====================================================================================================================

def clean_row(row):
    out = {}
    for k in FIELDS:
        v = row.get(k)
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        if k in ("primal_ns", "derivative_ns", "compile_ns") and v is not None:
            v = round(float(v), 1)
        out[k] = v
    return out


def run_tool(args, tool, argv):
    row = {k: None for k in FIELDS}
    row.update(problem=args.problem, instance=instance_name(args), tool=tool, status="error", note="")
    if tool not in TOOLS:
        row["note"] = f"unknown tool (known: {', '.join(TOOLS)})"
        return row
    deadline = args.tool_timeout
    if deadline is None:
        # Building and compiling, the check, the warm-ups and the timed rounds, for the primal and the derivative.
        deadline = 120.0 + 2.0 * (args.repeat + 4) * args.time_limit
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", tool] + argv
    log(f"[{tool}] starting (hard deadline {deadline:.0f} s)")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    # The child's messages are passed on as they come; the last few are kept for the note if it dies.
    last = collections.deque(maxlen=3)

    def relay():
        for raw in proc.stderr:
            text = raw.decode(errors="replace")
            sys.stderr.write(text)
            sys.stderr.flush()
            if text.strip():
                last.append(text.strip())

    relay_thread = threading.Thread(target=relay, daemon=True)
    relay_thread.start()
    try:
        out, _ = proc.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        relay_thread.join(timeout=5)
        row["status"] = "skipped"
        row["note"] = (f"killed after {deadline:.0f} s, its hard deadline (building, compiling or one evaluation "
                       f"took too long); its last message: {last[-1] if last else '(none)'}")
        return row
    relay_thread.join(timeout=5)
    lines = [l for l in out.decode(errors="replace").splitlines() if l.strip()]
    if lines:
        try:
            got = json.loads(lines[-1])
            if isinstance(got, dict) and "status" in got:
                return got
        except json.JSONDecodeError:
            pass
    code = proc.returncode
    why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    row["note"] = f"the worker process ended without a result ({why}): " + (" | ".join(last) or "no message")
    return row


def parse_args(argv):
    ap = argparse.ArgumentParser(description="JAX, PyTorch and CasADi on one ADBench instance or B1's Rosenbrock; "
                                             "one JSON row per tool on standard output.")
    ap.add_argument("--problem", required=True, choices=PROBLEMS)
    ap.add_argument("--input", help="the instance's input file (gmm, ba, hand, lstm)")
    ap.add_argument("--n", type=int, help="rosenbrock: the number of variables (default 10^6, 10^5 with --quick)")
    ap.add_argument("--expected-dir", default="", help="ADBench's expected/ folder (reference outputs)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: jax,torch,casadi")
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds; the median is reported")
    ap.add_argument("--time-limit", type=float, default=30.0,
                    help="seconds: a tool one of whose evaluations takes longer is stopped and reported as skipped")
    ap.add_argument("--quick", action="store_true", help="short batches (0.2 ms) and warm-ups, for the demo")
    hand = ap.add_mutually_exclusive_group()
    hand.add_argument("--complicated", dest="complicated", action="store_true", default=None,
                      help="hand: the complicated variant (default: inferred from the path)")
    hand.add_argument("--simple", dest="complicated", action="store_false", help="hand: the simple variant")
    ap.add_argument("--instance", help="the name to report (default: from the input's path)")
    ap.add_argument("--tool-timeout", type=float,
                    help="seconds after which a tool's process is killed (default 120 + 2 (repeat + 4) time-limit)")
    ap.add_argument("--tolerance", type=float, default=1e-8, help="ADBench's acceptance threshold (default 1e-8)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if not args.time_limit > 0:
        ap.error("--time-limit must be positive")
    return args


def main(argv):
    args = parse_args(argv)
    if args.worker:
        import warnings
        warnings.filterwarnings("ignore", category=FutureWarning)  # deprecation notices printed on import
        # Libraries may print to standard output (CasADi does); only the result row may go there.
        result_fd = os.dup(1)
        os.dup2(2, 1)
        try:
            row = clean_row(run_worker(args))
        except BaseException as e:  # anything unforeseen still gives a row
            row = clean_row({"problem": args.problem, "instance": instance_name(args), "tool": args.worker,
                             "status": "error", "note": f"{type(e).__name__}: {e}"})
        os.write(result_fd, (json.dumps(row) + "\n").encode())
        return 0
    for tool in [t.strip() for t in args.tools.split(",") if t.strip()]:
        row = clean_row(run_tool(args, tool, argv))
        print(json.dumps(row), flush=True)
        log(f"[{tool}] {row['status']}" + (f", ratio {row['ratio']:.3g}" if row["ratio"] is not None else "") +
            (f": {row['note']}" if row["status"] != "ok" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
