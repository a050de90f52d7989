"""``keras.datasets``: MNIST from the copy bundled with the package (no download)."""

from . import mnist

__all__ = ["mnist"]
