"""Builds the classifier's modules as C extensions with Cython (pure Python mode).

The modules stay plain Python: without Cython or a C compiler, oreradar installs and
runs them as they are, only slower (``processors.classifier.compiled`` tells which
way a process runs). With them, every module of ``processors/classifier`` except the
ones listed in ``_INTERPRETED`` is compiled, and the ``.pxd`` file beside a module
gives the C types of its hot loops. Everything else is configured in pyproject.toml.

    python setup.py build_ext --inplace   # what scripts/setup.sh runs (a no-op when fresh)
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent
CLASSIFIER = Path("processors") / "classifier"
# Not worth compiling: run once per process or per evaluation, not per item.
_INTERPRETED = {"__init__.py", "evaluate.py", "compiled.py"}


def _sources() -> list[str]:
    return sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / CLASSIFIER).rglob("*.py") if p.name not in _INTERPRETED
    )


class OptionalBuildExt(build_ext):
    """A failed compile is a warning, not a failed install: the Python modules work."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no Python headers
            _warn(exc)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            _warn(exc, ext.name)


def _warn(exc: Exception, name: str = "the classifier") -> None:
    print(
        f"WARNING: could not compile {name} ({exc}); it runs as plain Python, about "
        "a third slower. Install gcc and the Python headers (apt-get install gcc "
        "python3-dev) and run `python setup.py build_ext --inplace` to compile it.",
        file=sys.stderr,
    )


def _extensions() -> list:  # type: ignore[type-arg]
    try:
        from Cython.Build import cythonize
    except ImportError:
        _warn(ImportError("Cython is not installed"))
        return []
    try:
        return cythonize(
            _sources(),
            # The annotations are for mypy; the .pxd files alone give Cython its C types.
            compiler_directives={"language_level": "3", "binding": False, "annotation_typing": False},
            quiet=True,
        )
    except Exception as exc:  # a module Cython cannot translate: run them all as Python
        _warn(exc)
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
