"""The book's own NumPy networks, loaded unmodified by path, for the "book / ours" ratio.

The code lives outside the project (../shared/reference/deep-learning-from-scratch, MIT,
see its README); it is imported from there, never copied.  Its modules do
``from common.layers import *``, so the folder goes on sys.path.  Book networks draw their
weights with the global ``np.random`` and compute in float64, as published.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# ../shared/reference/deep-learning-from-scratch, seen from the repository root
REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/deep-learning-from-scratch"

# our preset name -> (file in the book's repository, class name, constructor kwargs)
BOOK_NETS = {
    "two_layer_net": ("ch05_two_layer_net.py", "TwoLayerNet",
                      {"input_size": 784, "hidden_size": 50, "output_size": 10}),
    "simple_conv_net": ("ch07/simple_convnet.py", "SimpleConvNet", {}),
    "deep_conv_net": ("ch08/deep_convnet.py", "DeepConvNet", {}),
}


def reference_dir() -> Path | None:
    """The book's folder, or None when it is absent (callers print why they skip)."""
    return REFERENCE if (REFERENCE / "common" / "layers.py").is_file() else None


def _load_class(path: Path, name: str) -> type:
    root = str(REFERENCE)
    if root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location(f"book_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def book_step(name: str, seed: int = 0) -> Callable[[np.ndarray, np.ndarray], Any]:
    """One Adam step (the book's common/optimizer.py, lr 0.001) of the book's net."""
    file, cls, kwargs = BOOK_NETS[name]
    np.random.seed(seed)
    net = _load_class(REFERENCE / file, cls)(**kwargs)
    adam = _load_class(REFERENCE / "common" / "optimizer.py", "Adam")(lr=0.001)

    def step(x: np.ndarray, t: np.ndarray) -> None:
        adam.update(net.params, net.gradient(x, t))

    return step
