"""Declares crible's one C extension; all other metadata lives in pyproject.toml."""

import platform

from setuptools import Extension, setup

_FLAGS = ["-O3", "-std=c99", "-Wall", "-Wextra"]
if platform.machine().lower() in {"x86_64", "amd64"}:
    _FLAGS.append("-mpopcnt")

setup(
    ext_modules=[
        Extension("crible.index._mih", ["crible/index/_mih.c"], extra_compile_args=_FLAGS),
    ]
)
