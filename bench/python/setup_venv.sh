#!/usr/bin/env bash
# Creates (or brings up to date) the Python virtual environment of Kinase's Python peers (kinase_peers.py): JAX
# (CPU), PyTorch (CPU use), CasADi and numpy, all from PyPI.
#
#   bench/python/setup_venv.sh DIR        (kinase-bench --python-peers passes build/release/pyenv)
#
# Idempotent: a stamp file, DIR/.kinase-peers-stamp, records the recipe (the pinned versions and the torch install
# mode below); when it matches, nothing is done. Progress goes to standard output (the runner sends it to standard
# error); on failure the script says which step failed and exits non-zero.
#
# Environment (all optional):
#   KINASE_PYTHON          the interpreter that creates the environment (default python3, 3.11 or newer)
#   KINASE_TORCH_INSTALL   cpu-stubs (default) or full; see "PyTorch" below
#   KINASE_PIP_SPECS       override the pinned requirements of jax, casadi and numpy (one string, space-separated)
#   KINASE_TORCH_SPEC      override the pinned torch requirement
#
# PyTorch: what was measured (Python 3.11, x86-64 Linux, torch 2.15.0, only PyPI reachable), and the choice.
#   - PyTorch's own CPU-only wheel index is not reachable from this project's machines (only PyPI is), and PyPI's
#     Linux x86-64 torch wheel is the CUDA build: `pip install torch` pulls triton, cuda-bindings, the cuda-toolkit
#     meta package and 15 nvidia-* packages (cuDNN, cuBLAS, cuFFT, cuSPARSE, NCCL, NVSHMEM, ...).
#     Full install: 5.4 GB in the environment (torch 1.2 GB, nvidia/ 3.1 GB, triton 1.0 GB), about 100 s.
#   - `pip install --no-deps torch` plus its pure-Python dependencies (filelock, typing-extensions, sympy, networkx,
#     jinja2, fsspec, setuptools) is 1.4 GB in about 50 s, but `import torch` fails: libtorch_cuda.so, which
#     libtorch.so always loads, needs libcudart.so.13, libcublas.so.13, libcudnn.so.9, libcufile.so.0, ... at load
#     time. Installing only the nvidia-* packages that the loader needs saves little (they are most of the 3.1 GB).
#   - Chosen (cpu-stubs): torch with --no-deps and its pure-Python dependencies, plus small stub libraries (a few KB
#     each, built here with gcc) that stand in for the CUDA libraries the loader cannot find. Each stub has the real
#     library's name (SONAME) and symbol versions and defines the symbols torch imports from it; every one of them
#     returns an error code (100, "no device"), so torch.cuda.is_available() is False and nothing else changes:
#     CPU tensors, autograd and torch.func run libtorch_cpu's own code. The stubs go into torch/lib, which the
#     loader searches after the nvidia/ folders, so a real CUDA install in the same environment still wins. Total
#     about 2.3 GB with JAX and CasADi, about 1.5 minutes. The script checks that torch imports and differentiates
#     (backward and torch.func) with the stubs; if anything fails (no gcc, a torch release that needs other
#     symbols), it removes the stubs and falls back to the full install with a message.
#   - KINASE_TORCH_INSTALL=full skips the stubs and installs torch with all its dependencies.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 DIR   (creates a virtual environment for bench/python/kinase_peers.py in DIR)" >&2
  exit 2
fi
DIR=$1
PYTHON=${KINASE_PYTHON:-python3}
MODE=${KINASE_TORCH_INSTALL:-cpu-stubs}
# Versions tested together (the stub generator was checked on this torch). Override with the variables above.
PIP_SPECS=${KINASE_PIP_SPECS:-"jax[cpu]==0.10.2 jaxlib==0.10.2 casadi==3.8.2 numpy==2.4.6"}
TORCH_SPEC=${KINASE_TORCH_SPEC:-"torch==2.15.0"}
RECIPE="kinase-peers recipe 1; $PIP_SPECS; $TORCH_SPEC; torch install: $MODE"
STAMP=$DIR/.kinase-peers-stamp

STEP="starting"
fail() {
  echo "setup_venv.sh: FAILED while $STEP (see the messages above). The environment in $DIR is incomplete;" \
       "fix the cause and run this script again, or delete $DIR to start over." >&2
  exit 1
}
trap fail ERR
say() { echo "setup_venv.sh: $*"; }

case $MODE in
  cpu-stubs | full) ;;
  *) echo "setup_venv.sh: KINASE_TORCH_INSTALL must be cpu-stubs or full, not '$MODE'" >&2; exit 2 ;;
esac

if [ -f "$STAMP" ] && [ "$(head -n 1 "$STAMP")" = "$RECIPE" ] && [ -x "$DIR/bin/python" ]; then
  say "$DIR is up to date ($(sed -n 2p "$STAMP"))"
  exit 0
fi

START=$(date +%s)
STEP="checking the Python interpreter '$PYTHON'"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "setup_venv.sh: no '$PYTHON' on PATH (set KINASE_PYTHON to a Python 3.11+ interpreter)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup_venv.sh: $PYTHON is $("$PYTHON" --version 2>&1); Python 3.11 or newer is needed" >&2
  exit 1
fi

if [ ! -x "$DIR/bin/python" ]; then
  STEP="creating the virtual environment in $DIR"
  say "creating a virtual environment in $DIR ($("$PYTHON" --version 2>&1))"
  mkdir -p "$(dirname "$DIR")"
  if ! "$PYTHON" -m venv "$DIR"; then
    echo "setup_venv.sh: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
    exit 1
  fi
else
  say "using the existing virtual environment in $DIR"
fi
VPY=$DIR/bin/python
PIP=("$VPY" -m pip install --no-cache-dir --disable-pip-version-check --progress-bar off)
rm -f "$STAMP"

STEP="installing $PIP_SPECS"
say "pip install $PIP_SPECS"
read -ra SPECS <<< "$PIP_SPECS"
"${PIP[@]}" "${SPECS[@]}"

SITE=$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

install_torch_full() {
  remove_cuda_stubs
  STEP="installing $TORCH_SPEC with all its dependencies"
  say "pip install $TORCH_SPEC (with its CUDA dependencies: several GB)"
  "${PIP[@]}" "$TORCH_SPEC"
}

# Prints torch's requirements other than the CUDA ones (nvidia-*, cuda-*, triton) and the optional extras.
pure_torch_requirements() {
  "$VPY" - <<'EOF'
import importlib.metadata as md
import re
for req in md.requires("torch") or []:
    name = re.match(r"[A-Za-z0-9_.\-]+", req).group(0).lower()
    if "extra ==" in req or name.startswith(("nvidia", "cuda")) or name == "triton":
        continue
    print(req)
EOF
}

# Builds the stub libraries into torch/lib (see the header). Prints what it made.
make_cuda_stubs() {
  "$VPY" - "$SITE/torch" <<'EOF'
import os, re, subprocess, sys, tempfile
torch_dir = sys.argv[1]
lib_dir = os.path.join(torch_dir, "lib")
libs = [os.path.join(lib_dir, f) for f in os.listdir(lib_dir) if f.endswith(".so")]
libs += [os.path.join(torch_dir, f) for f in os.listdir(torch_dir) if f.startswith("_C") and f.endswith(".so")]

def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout

# The libraries that torch's own libraries need and that its wheel does not ship: the CUDA libraries, which come
# from the nvidia-* packages in a full install. All of them are stubbed, even where the system has a CUDA toolkit
# of its own (its versions need not match this torch's: a system NCCL may lack symbols that torch binds at load
# time). The one exception is the driver, libcuda.so.1, which is kept where the system has it.
system = ("libc.so", "libm.so", "libdl.so", "librt.so", "libpthread.so", "ld-linux", "libstdc++.so", "libgcc_s.so")
shipped = set(os.listdir(lib_dir))
missing = set()
for lib in libs:
    for soname in re.findall(r"NEEDED.*\[(.*)\]", run(["readelf", "-d", "-W", lib])):
        if soname not in shipped and not soname.startswith(system):
            if soname == "libcuda.so.1" and re.search(r"libcuda\.so\.1 => /", run(["ldd", lib])):
                continue
            missing.add(soname)
# Which version names each missing library must define, and which symbols each version name is asked for.
versions = {m: set() for m in missing}
wanted = {}
unversioned = set()
for lib in libs:
    current = None
    for line in run(["readelf", "-V", "-W", lib]).splitlines():
        if "section" in line:  # a new section of readelf's output: definitions are not needs
            current = None
            continue
        file_match = re.search(r"File: (\S+)", line)
        if file_match:
            current = file_match.group(1)
            continue
        name_match = re.search(r"Name: (\S+)", line)
        if name_match and current in versions:
            versions[current].add(name_match.group(1))
    for line in run(["nm", "-D", "--undefined-only", lib]).splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue
        name, _, version = parts[1].partition("@")
        version = version.lstrip("@")
        if version:
            wanted.setdefault(version, set()).add(name)
        else:
            unversioned.add(name)

if not missing:
    print("nothing missing: no stubs needed")
    sys.exit(0)
build = tempfile.mkdtemp(prefix="kinase-cuda-stubs-")
for soname in sorted(missing):
    # Unversioned symbols are given to the library whose name they start with (cuFile* to libcufile, nccl* to
    # libnccl, cusparseLt* to libcusparseLt): the ones the loader binds at load time are of that kind.
    stem = re.sub(r"^lib|\.so.*$", "", soname).lower()
    nodes = {v: sorted(wanted.get(v, ())) for v in sorted(versions[soname])}
    loose = sorted(s for s in unversioned if s.lower().startswith(stem))
    symbols = sorted(set(loose).union(*nodes.values()) if nodes else loose)
    source = os.path.join(build, soname + ".c")
    with open(source, "w") as f:
        f.write("/* A stand-in for %s (Kinase's bench/python/setup_venv.sh): every function fails with 100. */\n"
                % soname)
        for s in symbols:
            f.write("int %s(void) { return 100; }\n" % s)
    cmd = ["gcc", "-shared", "-fPIC", "-O1", "-o", os.path.join(lib_dir, soname), source, "-Wl,-soname," + soname]
    if nodes:
        script = os.path.join(build, soname + ".map")
        with open(script, "w") as f:
            # Unversioned symbols go into the first version node too (a default version, found by unversioned
            # references as well).
            first = True
            for v, names in nodes.items():
                names = names + (loose if first else [])
                f.write("%s { global: %s local: *; };\n" % (v, " ".join(n + ";" for n in names)))
                first = False
        cmd.append("-Wl,--version-script=" + script)
    subprocess.run(cmd, check=True)
    print("  stub %-22s %4d symbols" % (soname, len(symbols)))
with open(os.path.join(lib_dir, "KINASE_CUDA_STUBS.txt"), "w") as f:
    f.write("Stub libraries made by Kinase's bench/python/setup_venv.sh so that this CUDA build of torch imports\n"
            "without the nvidia-* packages (CPU use only):\n" + "\n".join(sorted(missing)) + "\n")
EOF
}

remove_cuda_stubs() {
  local list=$SITE/torch/lib/KINASE_CUDA_STUBS.txt
  if [ -f "$list" ]; then
    tail -n +3 "$list" | while read -r soname; do rm -f "$SITE/torch/lib/$soname"; done
    rm -f "$list"
  fi
}

check_torch() {
  "$VPY" - <<'EOF'
import torch
from torch.func import jacfwd, jacrev, vmap
torch.set_num_threads(1)
x = torch.linspace(0.1, 1.0, 5, dtype=torch.float64, requires_grad=True)
(x.sin() * x).sum().backward()
assert torch.allclose(x.grad, x.sin() + x * x.cos())
j = vmap(jacrev(lambda v: v.sin() * v[0]))(torch.rand(3, 4, dtype=torch.float64))
k = jacfwd(lambda v: v.exp())(torch.zeros(3, dtype=torch.float64))
assert j.shape == (3, 4, 4) and torch.allclose(k, torch.eye(3, dtype=torch.float64))
print(f"  torch {torch.__version__}: imports, backward() and torch.func work; CUDA available: "
      f"{torch.cuda.is_available()}")
EOF
}

if [ "$MODE" = full ]; then
  install_torch_full
else
  STEP="installing $TORCH_SPEC without its CUDA dependencies"
  say "pip install --no-deps $TORCH_SPEC (the CUDA build from PyPI, without the nvidia-* packages)"
  "${PIP[@]}" --no-deps "$TORCH_SPEC"
  STEP="installing torch's pure-Python dependencies"
  mapfile -t REQS < <(pure_torch_requirements)
  say "pip install ${REQS[*]}"
  say "(pip will say that torch's CUDA requirements are not installed: expected, the stubs below stand in for them)"
  "${PIP[@]}" "${REQS[@]}"
  STEP="making the CUDA stub libraries"
  say "making stub libraries for the CUDA libraries torch loads but does not need on the CPU"
  remove_cuda_stubs
  if command -v gcc >/dev/null && command -v readelf >/dev/null && command -v nm >/dev/null \
     && command -v ldd >/dev/null && make_cuda_stubs && check_torch; then
    MODE_DONE="torch with CUDA stub libraries (no nvidia-* packages)"
  else
    say "torch does not import with stub libraries (or gcc/binutils are missing): falling back to the full install"
    install_torch_full
  fi
fi
MODE_DONE=${MODE_DONE:-"torch with its full CUDA dependencies"}

STEP="checking the installed packages"
say "checking JAX, PyTorch and CasADi"
check_torch
"$VPY" - <<'EOF'
import os
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
g = jax.jit(jax.grad(lambda v: jnp.sum(jnp.sin(v) * v)))(jnp.linspace(0.1, 1.0, 5))
assert g.dtype == jnp.float64
v = np.linspace(0.1, 1.0, 5)
assert np.allclose(g, np.sin(v) + v * np.cos(v))
print(f"  jax {jax.__version__}: float64 jit(grad) works on {jax.devices()[0].platform}")
import casadi as ca
x = ca.SX.sym("x", 3)
f = ca.Function("f", [x], [ca.gradient(ca.sumsqr(x), x)])
assert np.allclose(np.array(f([1, 2, 3])).ravel(), [2, 4, 6])
print(f"  casadi {ca.__version__}, numpy {np.__version__}")
EOF

VERSIONS=$("$VPY" -c 'import importlib.metadata as m; print(", ".join(p + " " + m.version(p) for p in ("jax", "jaxlib", "torch", "casadi", "numpy")))')
SIZE=$(du -sh "$DIR" | cut -f1)
{
  echo "$RECIPE"
  echo "$VERSIONS; $MODE_DONE"
} > "$STAMP"
say "done in $(( $(date +%s) - START )) s: $VERSIONS; $MODE_DONE; $SIZE in $DIR"
