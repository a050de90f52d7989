"""The from-scratch NumPy deep-learning engine (imports only numpy and the standard library).

from nnplayground.engine import Sequential, layers, OPTIMIZERS, LOSSES, PRESETS
model = Sequential.from_config(PRESETS.create("simple_conv_net")["spec"], rng=0)
"""

from __future__ import annotations

from . import callbacks, keras_names, layers  # noqa: F401 - keras_names registers aliases
from .core import LAYERS, Layer, NotBuiltError, Parameter, SpecError
from .initializers import INITIALIZERS
from .losses import LOSSES
from .metrics import METRICS
from .model import Input, Sequential
from .optimizers import OPTIMIZERS, Optimizer
from .presets import PRESETS, all_presets, get_preset
from .serialization import ModelFileError, load_model, save_model

__all__ = [
    "INITIALIZERS",
    "LAYERS",
    "LOSSES",
    "METRICS",
    "OPTIMIZERS",
    "PRESETS",
    "Input",
    "Layer",
    "ModelFileError",
    "NotBuiltError",
    "Optimizer",
    "Parameter",
    "Sequential",
    "SpecError",
    "all_presets",
    "callbacks",
    "get_preset",
    "layers",
    "load_model",
    "save_model",
]
