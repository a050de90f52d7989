"""Keras's names on top of the playground's engine: ``from nnplayground import keras``.

The MNIST examples of the Keras documentation and of Chollet's book run unchanged except for
their import line (docs/python-api.md has the table of names and the few differences).  Every
model here is an ``nnplayground.engine.Sequential`` underneath and writes the same JSON model
spec as the page, so ``callbacks.Playground`` can show it there as a run like any other.
"""

from __future__ import annotations

from . import (
    activations,
    callbacks,
    datasets,
    initializers,
    layers,
    losses,
    models,
    optimizers,
    utils,
)
from .layers import Input
from .models import Sequential, load_model

__all__ = [
    "Input",
    "Sequential",
    "activations",
    "callbacks",
    "datasets",
    "initializers",
    "layers",
    "load_model",
    "losses",
    "models",
    "optimizers",
    "utils",
]
