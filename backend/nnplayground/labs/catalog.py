"""Imports every lab module, so each registers itself in ``registry.LABS``.  A new lab is
one module with its ``Params`` and ``@lab`` function, plus its line here."""

from . import (  # noqa: F401 - imported for registration
    activations,
    augmentation,
    batch_norm,
    convolution,
    gradient_check,
    graph,
    hyperparameter_search,
    misclassified,
    nielsen,
    numerical,
    optimizer_race,
    optimizers_mnist,
    overfitting,
    perceptron,
    schedules,
    weight_init,
)
