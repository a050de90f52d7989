"""Layering rules: the engine needs only numpy + stdlib; labs never reach into the job
system or the server; job code never imports the web layer.

Two independent checks: import-linter's contracts (pyproject.toml), and our own AST scan,
which also catches imports that import-linter cannot see (a third-party package that is not
named in the contracts, e.g. ``import scipy`` in the engine).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "nnplayground"


def resolved_imports(source: str, module: str, filename: str = "<string>",
                     is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute dotted name) for every import in ``source``, the source of ``module``.

    Relative imports are resolved against the module's package, so ``from ..server import x``
    inside the engine is seen as ``nnplayground.server.x`` rather than waved through.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            keep = len(package) - node.level + 1  # each dot after the first goes up one
            base = package[:keep] if node.level else []
            if node.level and keep < 1:
                found.append((node.lineno, "<relative import beyond the top package>"))
                continue
            prefix = ".".join([*base, *([node.module] if node.module else [])])
            found.extend((node.lineno, f"{prefix}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            arg = node.args[0]
            name = arg.value if isinstance(arg, ast.Constant) else "<dynamic>"
            found.append((node.lineno, str(name)))
    return found


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else ""
    return name in {"__import__", "import_module"} and bool(node.args)


def engine_violations(source: str, module: str = "nnplayground.engine.synthetic",
                      filename: str = "<string>", is_package: bool = False) -> list[str]:
    """Imports whose top-level module is neither numpy, the stdlib, nor the engine itself."""
    bad = []
    for line, name in resolved_imports(source, module, filename, is_package):
        if name.split(".")[0] == "numpy" or name.split(".")[0] in sys.stdlib_module_names:
            continue
        if name == "nnplayground.engine" or name.startswith("nnplayground.engine."):
            continue
        bad.append(f"{filename}:{line}: imports {name}")
    return bad


FORBIDDEN_IN_LABS = ("nnplayground.server", "nnplayground.jobs", "fastapi", "starlette",
                     "uvicorn", "websockets")
WEB_LAYER = ("nnplayground.server", "nnplayground.cli", "fastapi", "starlette", "uvicorn",
             "websockets", "httpx")


def violations(forbidden: tuple[str, ...]) -> Callable[..., list[str]]:
    def check(source: str, module: str, filename: str = "<string>",
              is_package: bool = False) -> list[str]:
        bad = []
        for line, name in resolved_imports(source, module, filename, is_package):
            if name.startswith("<") or any(name == f or name.startswith(f + ".")
                                           for f in forbidden):
                bad.append(f"{filename}:{line}: imports {name}")
        return bad

    return check


def labs_violations(source: str, module: str = "nnplayground.labs.synthetic",
                    filename: str = "<string>", is_package: bool = False) -> list[str]:
    return violations(FORBIDDEN_IN_LABS)(source, module, filename, is_package)


def jobs_violations(source: str, module: str = "nnplayground.jobs.synthetic",
                    filename: str = "<string>", is_package: bool = False) -> list[str]:
    return violations(WEB_LAYER)(source, module, filename, is_package)


def scan(folder: Path, check: Callable[..., list[str]]) -> list[str]:
    problems = []
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        is_package = rel.name == "__init__"
        module = ".".join(rel.parent.parts if is_package else rel.parts)
        problems += check(path.read_text(encoding="utf-8"), module,
                          str(path.relative_to(ROOT)), is_package)
    return problems


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports")
    if exe is None:  # the CLI comes with the [test] extra; fail loudly rather than skip
        pytest.fail("lint-imports not found: pip install -e '.[test]'")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout, result.stdout  # the contracts really ran


def test_engine_imports_only_numpy_and_stdlib() -> None:
    files = list((PACKAGE / "engine").rglob("*.py"))
    assert len(files) >= 5, "the engine package seems to be missing"
    assert scan(PACKAGE / "engine", engine_violations) == []


def test_labs_never_import_the_server() -> None:
    assert scan(PACKAGE / "labs", labs_violations) == []


def test_job_code_never_imports_the_web_layer() -> None:
    assert len(list((PACKAGE / "jobs").rglob("*.py"))) >= 5, "the job system seems missing"
    assert scan(PACKAGE / "jobs", jobs_violations) == []


@pytest.mark.parametrize("source", ["from ..server.errors import ApiError\n",
                                    "from fastapi import WebSocket\n",
                                    "import starlette.requests\n",
                                    "from .. import cli\n"])
def test_jobs_scanner_catches_web_imports(source: str) -> None:
    assert jobs_violations(source, "nnplayground.jobs.bad"), source


def test_jobs_scanner_allows_engine_and_labs() -> None:
    assert jobs_violations("from ..engine import Sequential\nfrom ..labs.registry import Lab\n"
                           "import pydantic\n", "nnplayground.jobs.ok") == []


@pytest.mark.parametrize(
    "source",
    [
        "import scipy\n",
        "import torch.nn as nn\n",
        "from fastapi import FastAPI\n",
        "from nnplayground.server import app\n",
        "from nnplayground import labs\n",
        "def f():\n    import pandas\n",  # nested imports count too
        "import importlib\nimportlib.import_module('torch')\n",
        "__import__('sklearn')\n",
        "from ..server import app\n",  # relative, but out of the engine
        "from .. import cli\n",
        "from ... import anything\n",  # beyond the top-level package
    ],
)
def test_engine_scanner_catches_bad_imports(source: str) -> None:
    assert engine_violations(source, "nnplayground.engine.bad"), source


def test_relative_imports_resolve_from_subpackages() -> None:
    module = "nnplayground.engine.layers.dense"
    assert engine_violations("from ..server import x\n", module) == []  # engine.server
    assert engine_violations("from ...server import app\n", module) != []


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\n",
        "from numpy.lib.stride_tricks import sliding_window_view\n",
        "import json, functools, hashlib\nfrom collections.abc import Callable\n",
        "from . import core\nfrom ..core import Layer\nfrom .. import registry\n",
        "from nnplayground.engine.core import Layer\n",
    ],
)
def test_engine_scanner_accepts_allowed_imports(source: str) -> None:
    assert engine_violations(source, "nnplayground.engine.layers.dense") == []


def test_package_init_resolves_relative_imports_from_itself() -> None:
    # In engine/__init__.py, "." is the engine itself; in engine/x.py it is too.
    assert engine_violations("from .model import Sequential\n", "nnplayground.engine",
                             is_package=True) == []
    assert engine_violations("from .. import server\n", "nnplayground.engine",
                             is_package=True) != []


@pytest.mark.parametrize(
    "source",
    [
        "from nnplayground.server.services import runs\n",
        "import fastapi\n",
        "from starlette.websockets import WebSocket\n",
        "import nnplayground.server\n",
        "from ..server.routers import labs\n",
    ],
)
def test_labs_scanner_catches_server_imports(source: str) -> None:
    assert labs_violations(source)


def test_labs_scanner_allows_the_engine() -> None:
    assert labs_violations("from nnplayground.engine import Sequential\nimport numpy\n") == []
