"""Layering rules: the engine needs only numpy + stdlib; labs never reach into the server.

Two independent checks: import-linter's contracts (pyproject.toml), and our own AST scan,
which also catches imports that import-linter cannot see (a third-party package that is not
named in the contracts, e.g. ``import scipy`` in the engine).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "nnplayground"


def absolute_imports(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, dotted module) for every absolute import; relative imports are skipped
    because they stay inside the package being scanned."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend(
                (node.lineno, f"{node.module}.{alias.name}") for alias in node.names
            )
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


def engine_violations(source: str, filename: str = "<string>") -> list[str]:
    """Imports whose top-level module is neither numpy, the stdlib, nor the engine itself."""
    bad = []
    for line, module in absolute_imports(source, filename):
        top = module.split(".")[0]
        if top == "numpy" or top in sys.stdlib_module_names:
            continue
        if module.startswith("nnplayground.engine"):
            continue
        bad.append(f"{filename}:{line}: imports {module}")
    return bad


FORBIDDEN_IN_LABS = ("nnplayground.server", "fastapi", "starlette", "uvicorn", "websockets")


def labs_violations(source: str, filename: str = "<string>") -> list[str]:
    bad = []
    for line, module in absolute_imports(source, filename):
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN_IN_LABS):
            bad.append(f"{filename}:{line}: imports {module}")
    return bad


def scan(folder: Path, check) -> list[str]:
    problems = []
    for path in sorted(folder.rglob("*.py")):
        problems += check(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
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
    ],
)
def test_engine_scanner_catches_bad_imports(source: str) -> None:
    assert engine_violations(source, "bad.py"), source


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\n",
        "from numpy.lib.stride_tricks import sliding_window_view\n",
        "import json, functools, hashlib\nfrom collections.abc import Callable\n",
        "from . import core\nfrom ..engine.layers import dense\n",
        "from nnplayground.engine.core import Layer\n",
    ],
)
def test_engine_scanner_accepts_allowed_imports(source: str) -> None:
    assert engine_violations(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "from nnplayground.server.services import runs\n",
        "import fastapi\n",
        "from starlette.websockets import WebSocket\n",
        "import nnplayground.server\n",
    ],
)
def test_labs_scanner_catches_server_imports(source: str) -> None:
    assert labs_violations(source, "lab.py")


def test_labs_scanner_allows_the_engine() -> None:
    assert labs_violations("from nnplayground.engine import Sequential\nimport numpy\n") == []
