"""``keras.callbacks``: the engine's callbacks under Keras's names, plus ``Playground``,
which streams a ``fit`` to a running nn-playground server (where TensorBoard would be)."""

from __future__ import annotations

from typing import Any

from ..engine import callbacks as _cb
from ..engine.playground import Playground, PlaygroundWarning

Callback = _cb.Callback
History = _cb.History
LambdaCallback = _cb.LambdaCallback
LearningRateScheduler = _cb.LearningRateScheduler
ProgbarLogger = _cb.ProgressBar


class EarlyStopping(_cb.EarlyStopping):
    """Keras's signature; ``verbose=1`` prints the epoch it stopped at."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        if baseline is not None or start_from_epoch:
            raise ValueError("EarlyStopping: baseline and start_from_epoch are not supported")
        super().__init__(monitor=monitor, patience=patience, min_delta=min_delta, mode=mode,
                         restore_best_weights=restore_best_weights)
        self.verbose = verbose

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.verbose and self.stopped_epoch is not None:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")


__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "Playground",
    "PlaygroundWarning",
    "ProgbarLogger",
]
