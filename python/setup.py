"""Builds cqlio._core: the extension's own files (python/src) and libcqlio's
layers it needs (base, proto, conn, engine) compiled in, linked with the
system's liblz4. The libuv adapter and the private loop thread are left out:
in Python the asyncio loop drives the engine."""

import glob
import os
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def rel(path):
    return os.path.relpath(path, HERE)


def lz4_flags():
    try:
        cflags = subprocess.run(["pkg-config", "--cflags", "liblz4"], check=True,
                                capture_output=True, text=True).stdout.split()
        libs = subprocess.run(["pkg-config", "--libs", "liblz4"], check=True,
                              capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        cflags, libs = [], ["-llz4"]
    return cflags, libs


sources = sorted(glob.glob(os.path.join(HERE, "src", "*.c")))
for layer in ("base", "proto", "conn", "engine"):
    sources += sorted(glob.glob(os.path.join(ROOT, "src", layer, "*.c")))
if not os.path.isdir(os.path.join(ROOT, "src", "engine")):
    raise SystemExit("cqlio's C sources are not next to python/: build from a checkout of the "
                     "whole repository (pip install ./python)")

lz4_cflags, lz4_libs = lz4_flags()
# The project's own builds (make venv) treat warnings as errors; a user's pip
# install does not, so that another compiler's new warning cannot break it.
strict = ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
          "-Wno-missing-field-initializers"] if os.environ.get("CQLIO_STRICT") else []
core = Extension(
    "cqlio._core",
    sources=[rel(s) for s in sources],
    include_dirs=[rel(os.path.join(ROOT, "include")), rel(os.path.join(ROOT, "src")),
                  rel(os.path.join(HERE, "src"))],
    define_macros=[("_GNU_SOURCE", None)],
    extra_compile_args=["-std=c11", "-fvisibility=hidden", "-O2"] + strict + lz4_cflags,
    extra_link_args=lz4_libs + ["-pthread"],
)

setup(ext_modules=[core])
