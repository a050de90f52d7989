"""All layer classes; importing this package registers them in ``LAYERS``.

Caching rule shared by every layer: ``forward(x, training=True)`` stores what ``backward``
needs; ``forward(x, training=False)`` never touches that cache, so a callback may read
activations between a training forward and its backward.  ``backward`` differentiates the
most recent *training* forward.
"""

from ..core import LAYERS, Layer, Parameter, SpecError
from .activations import (
    Identity,
    LeakyReLU,
    NoGradientError,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    softmax,
)
from .conv import Conv2D
from .dense import Dense
from .dropout import Dropout
from .normalization import BatchNorm
from .pooling import AvgPool2D, MaxPool2D
from .reshape import Flatten

__all__ = [
    "LAYERS",
    "AvgPool2D",
    "BatchNorm",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Identity",
    "Layer",
    "LeakyReLU",
    "MaxPool2D",
    "NoGradientError",
    "Parameter",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "SpecError",
    "Step",
    "Tanh",
    "softmax",
]
