"""Imports every lab module, so each registers itself in ``registry.LABS``.  A new lab is
one module with its ``Params`` and ``@lab`` function, plus its line here."""

from . import (  # noqa: F401 - imported for registration
    batch_norm,
    gradient_check,
    hyperparameter_search,
    nielsen,
    optimizer_race,
    optimizers_mnist,
    overfitting,
    perceptron,
    weight_init,
)
