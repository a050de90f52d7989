"""Running a ``Sequential``: one training step, predict, evaluate, calling the model on data.

Every public entry point takes the data in the model's ``data_format`` and brings it to the
layers' (N, C, H, W) layout once (``_as_input``).  The loss sees ``_loss_layers``: all layers,
or all but a final Softmax/Sigmoid that the fused loss absorbs (model.py ``_plan``), so
softmax is applied once in training while ``predict`` returns the last layer's output; a
ReLU before a max pool runs after it there, with the same results bit for bit.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from . import plan, replicas
from .losses import LOSSES
from .metrics import METRICS, check_data

DEFAULT_BATCH = 32  # Keras's default for fit
# predict/evaluate batches only bound memory (the results do not depend on them): large ones
# save Python overhead per batch, e.g. a 10,000-image test set in 10 forwards, not 313.
INFERENCE_BATCH = 1000


class InferenceMixin:
    """Methods of ``Sequential`` that run the network (its state lives in model.py)."""

    def _as_input(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        if self.data_format == "channels_last" and x.ndim == 4:
            # One contiguous copy per call: the layers then stream through (C, H, W) rows.
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return x

    def _forward(self, x: np.ndarray, training: bool, layers: Any = None) -> np.ndarray:
        for layer in self.layers if layers is None else layers:
            x = layer.forward(x, training)
        return x

    def _penalty(self) -> float:
        """0.5·λ·ΣW² over decayed parameters: the L2 term the book adds to the reported loss."""
        wd = self.optimizer.weight_decay if self.optimizer is not None else 0.0
        if not wd:
            return 0.0
        return 0.5 * wd * sum(float(np.vdot(p.value, p.value)) for p in self._params if p.decay)

    def _gradients(self, xb: np.ndarray, yb: np.ndarray,
                   share: float = 1.0) -> tuple[float, np.ndarray]:
        """Forward and backward of one batch: every ``Parameter.grad`` filled (times
        ``share``, this batch's part of a bigger one); returns the loss (its mean over xb,
        without the L2 penalty) and the loss layers' output."""
        out = self._forward(xb, training=True, layers=self._loss_layers)
        loss = float(self.loss.forward(out, yb))
        grad = self.loss.backward()
        if share != 1.0:  # on the (N, outputs) gradient, not on every weight's
            grad = grad * grad.dtype.type(share)
        for layer in self._backprop:
            grad = layer.backward(grad)
        return loss, out

    def _train_batch(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        penalty = self._penalty()  # the loss is reported before the update
        replica = replicas.replica_for(self) if replicas.wanted(self, len(xb)) else None
        if replica is None:
            loss, out = self._gradients(xb, yb)
        else:
            try:
                loss, out = replica.step(self, xb, yb)
            except (EOFError, OSError):  # the second process died: go on alone
                replicas.refuse(self)
                loss, out = self._gradients(xb, yb)
        self.optimizer.step(self._params)
        return loss + penalty, out

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One forward/backward/update on a batch; returns the loss before the update."""
        xb = self._as_input(xb)
        self._require_compiled(xb)
        xb, yb = check_data(xb, yb, self.input_shape, self.dtype)
        return self._train_batch(xb, yb)[0]

    def _checked(self, x: Any, y: Any = None) -> tuple[np.ndarray, Any]:
        x = self._as_input(x)
        self._require_built(x)
        return check_data(x, y, self.input_shape, self.dtype)

    def _batched(self, x: np.ndarray, batch_size: int | None, layers: Any) -> np.ndarray:
        size = _batch_size(batch_size)
        if len(x) <= size:
            planned = plan.predict(self, layers, x)  # a few images: one planned pass
            if planned is not None:
                return planned
            return self._forward(x, training=False, layers=layers)
        return np.concatenate(
            [self._forward(x[i : i + size], False, layers) for i in range(0, len(x), size)]
        )

    def predict(
        self, x: Any, batch_size: int | None = None, verbose: int | str = "auto"
    ) -> np.ndarray:
        """The last layer's output in inference mode: probabilities after a Softmax layer,
        logits for the book's networks that end in Dense (see ``predict_proba``)."""
        x, _ = self._checked(x)
        out = self._batched(x, batch_size, None)
        if self._verbosity(verbose):
            steps = -(-len(x) // _batch_size(batch_size))
            _line(f"{steps}/{steps} predicted {len(x)} samples")
        return out

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """``model(x)``: the output for one batch, without batching or printing."""
        x, _ = self._checked(x)
        return self._forward(x, training=bool(training))

    def predict_logits(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """What the loss reads: ``predict`` without a final Softmax/Sigmoid the loss absorbs
        (``loss.forward(logits, y)`` and ``loss.output_activation(logits)`` then hold)."""
        x, _ = self._checked(x)
        loss = self.loss if self.loss is not None else LOSSES.create("softmax_cross_entropy")
        return self._batched(x, batch_size, self._loss_layers_for(loss))

    def predict_proba(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """Outputs read the way the loss reads them: softmax, sigmoid, or as-is for mse."""
        x, _ = self._checked(x)
        loss = self.loss if self.loss is not None else LOSSES.create("softmax_cross_entropy")
        return loss.output_activation(self._batched(x, batch_size, self._loss_layers_for(loss)))

    def _loss_layers_for(self, loss: Any) -> list:
        """All layers, or all but a last one the fused ``loss`` absorbs (its
        ``final_activation``: Softmax for softmax_cross_entropy, Sigmoid for sigmoid_bce)."""
        absorbed = getattr(loss, "final_activation", None)
        if absorbed is not None and self.layers and isinstance(self.layers[-1], absorbed):
            return self.layers[:-1]
        return list(self.layers)

    def forward_trace(self, x: Any) -> list[np.ndarray]:
        """Every layer's output for ``x`` in inference mode (activation taps for the page)."""
        x, _ = self._checked(x)
        outputs = []
        for layer in self.layers:
            x = layer.forward(x, training=False)
            outputs.append(x)
        return outputs

    def proba_from_trace(self, x: Any, outputs: list[np.ndarray]) -> np.ndarray:
        """``predict_proba(x)`` from ``forward_trace(x)``'s outputs, without running the
        network again (the draw pad wants both for every stroke)."""
        loss = self.loss if self.loss is not None else LOSSES.create("softmax_cross_entropy")
        kept = len(self._loss_layers_for(loss))
        logits = outputs[kept - 1] if kept else self._checked(x)[0]
        return loss.output_activation(logits)

    def evaluate(
        self,
        x: Any,
        y: Any,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss and metrics in inference mode, as Keras returns them: the loss alone when no
        metric was compiled, else ``[loss, *metrics]``; ``return_dict=True`` gives a dict."""
        if self.loss is None:
            raise RuntimeError("call compile(optimizer, loss) before evaluate")
        x, y = self._checked(x, y)
        result = self._evaluate(x, y, batch_size)
        if self._verbosity(verbose):
            steps = -(-len(x) // _batch_size(batch_size))
            _line(f"{steps}/{steps} - " + " - ".join(f"{k}: {v:.4f}" for k, v in result.items()))
        if return_dict:
            return result
        values = list(result.values())
        return values[0] if len(values) == 1 else values

    def _evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int | None) -> dict:
        """Loss and metrics on data already in the layers' layout and dtype."""
        size = _batch_size(batch_size)
        loss_sum = 0.0
        sums = dict.fromkeys(self.metrics, 0.0)
        for i in range(0, len(x), size):
            xb, yb = x[i : i + size], y[i : i + size]
            out = self._forward(xb, training=False, layers=self._loss_layers)
            loss_sum += float(self.loss.forward(out, yb)) * len(xb)
            for name in sums:
                sums[name] += METRICS.get(name)(out, yb, self.loss_name) * len(xb)
        result = {"loss": loss_sum / len(x) + self._penalty()}
        result.update({name: total / len(x) for name, total in sums.items()})
        return result


def _batch_size(value: Any) -> int:
    if value is None:
        return INFERENCE_BATCH
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"batch_size must be a positive integer, got {value!r}")
    return int(value)


def _line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
