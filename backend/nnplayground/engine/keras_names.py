"""Keras's layer names as aliases in ``LAYERS``: a spec or a call may say "MaxPooling2D" or
"BatchNormalization" and get our MaxPool2D / BatchNorm.  ``get_config`` still writes our
names, so the page's JSON spec stays the same.  (Registry names are case-insensitive.)"""

from __future__ import annotations

from . import layers  # noqa: F401 - registers the layers first
from .core import LAYERS

LAYERS.alias("maxpool2d", "maxpooling2d")
LAYERS.alias("avgpool2d", "averagepooling2d", "average_pooling2d")
LAYERS.alias("batchnorm", "batch_normalization")
