"""``mnist.load_data()`` as in Keras: uint8 images (N, 28, 28) in 0..255 and uint8 labels,
60,000 for training and 10,000 for testing, read from the package's own SHA-256-checked
copy (``path`` is accepted for Keras's signature; nothing is downloaded)."""

from __future__ import annotations

import numpy as np

from ...engine.data.mnist import MNIST_DIR, _raw


def load_data(
    path: str = "mnist.npz",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    # _raw is the cached, read-only decode that load_mnist also starts from; copies keep it
    # intact while the caller scales or reshapes in place (x_train /= 255 is common).
    x_train, y_train, x_test, y_test = _raw(MNIST_DIR, True)
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())
