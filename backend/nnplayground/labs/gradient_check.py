"""Gradient check (the book, ch. 5 §5.7, gradient_check.py): backprop gradients against
central-difference numerical gradients, per parameter, with the engine's ``check_gradients``.

The models are small on purpose: the numerical gradient costs two forward passes per
weight, which is exactly why backprop exists (the point of §5.7).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..engine.gradcheck import check_gradients, param_key
from ..engine.model import Sequential
from .common import Seed
from .registry import LabParams, lab

MODELS: dict[str, dict[str, Any]] = {
    # TwoLayerNet shrunk from 784-50-10 to 16-10-3 so the check answers in a blink.
    "two_layer_net": {"input_shape": [16], "layers": [
        {"type": "dense", "units": 10}, {"type": "relu"}, {"type": "dense", "units": 3}]},
    "tiny_cnn": {"input_shape": [1, 6, 6], "layers": [
        {"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": 1}, {"type": "relu"},
        {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"},
        {"type": "dense", "units": 3}]},
    "bn_mlp": {"input_shape": [8], "layers": [
        # No bias before BatchNorm: BN subtracts the mean, so that bias would get no gradient.
        {"type": "dense", "units": 6, "use_bias": False}, {"type": "batchnorm"},
        {"type": "sigmoid"},
        {"type": "dense", "units": 5}, {"type": "tanh"}, {"type": "dense", "units": 3}]},
}
# Relative error below this: backprop agrees with the numerical gradient (float64).
TOLERANCE = 1e-6


class Params(LabParams):
    model: Literal[tuple(MODELS)] = "two_layer_net"  # type: ignore[valid-type]
    seed: Seed = 0
    batch: Annotated[int, Field(ge=1, le=64)] = 4


@lab("gradient_check", Params, kind="instant", route="/gradient-check", section="5.7")
def run(model: str, seed: int, batch: int) -> dict[str, Any]:
    spec = MODELS[model]
    rng = np.random.default_rng(seed)
    net = Sequential.from_config(spec, rng=np.random.default_rng(seed), dtype=np.float64)
    x = rng.standard_normal((batch, *spec["input_shape"]))
    y = rng.integers(0, 3, size=batch)
    errors = check_gradients(net, x, y, loss="softmax_cross_entropy")
    sizes = {}
    for i, layer in enumerate(net.layers):
        for p in layer.parameters():
            sizes[param_key(i, layer, p)] = int(p.value.size)
    rows = [{"name": k, "relative_error": float(v), "size": sizes.get(k, int(x.size)),
             "ok": bool(v < TOLERANCE)} for k, v in errors.items()]
    return {"model": model, "spec": spec, "summary": net.summary_text(), "params": rows,
            "tolerance": TOLERANCE, "all_ok": all(r["ok"] for r in rows)}
