"""PyTorch twins of our model specs, for speed comparisons only (torch is never an engine
or server dependency).

The net is translated layer by layer from the same JSON spec the engine builds, so both
sides compute the same architecture; Lazy modules infer input sizes from a dummy batch.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, list | tuple):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _layer(cfg: dict[str, Any], ndim: int) -> nn.Module | None:
    """One torch module for one spec entry; ``ndim`` is the per-sample rank of its input
    (BatchNorm needs it to pick 1d or 2d).  None means "nothing to do" (softmax before a
    fused softmax-cross-entropy loss)."""
    kind = cfg["type"].lower()
    if kind in {"dense", "affine", "linear"}:
        return nn.LazyLinear(int(cfg["units"]), bias=cfg.get("use_bias", True))
    if kind == "conv2d":
        return nn.LazyConv2d(
            int(cfg["filters"]), _pair(cfg["kernel_size"]),
            stride=_pair(cfg.get("stride", 1)), padding=_pair(cfg.get("padding", 0)),
        )
    if kind in {"maxpool2d", "avgpool2d"}:
        size = _pair(cfg.get("pool_size", 2))
        stride = _pair(cfg.get("stride") or size)
        padding = _pair(cfg.get("padding", 0))
        pool = nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d
        return pool(size, stride=stride, padding=padding)
    if kind == "flatten":
        return nn.Flatten()
    if kind == "batchnorm":
        # Our momentum weighs the old running mean (book style); torch's weighs the new one.
        momentum = 1.0 - float(cfg.get("momentum", 0.9))
        eps = float(cfg.get("eps", 1e-5))
        bn = nn.LazyBatchNorm2d if ndim == 3 else nn.LazyBatchNorm1d
        return bn(eps=eps, momentum=momentum)
    if kind == "dropout":
        return nn.Dropout(float(cfg.get("rate", 0.5)))
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}
    if kind in simple:
        return simple[kind]()
    if kind == "leakyrelu":
        return nn.LeakyReLU(float(cfg.get("alpha", 0.01)))
    if kind == "softmax":
        return None
    raise ValueError(f"no torch translation for layer type {cfg['type']!r}")


def torch_from_spec(spec: dict[str, Any], seed: int = 0) -> nn.Sequential:
    """A float32 torch.nn.Sequential equivalent to ``spec`` (initialisation differs; it
    does not matter for timing)."""
    torch.manual_seed(seed)
    input_shape = tuple(int(d) for d in spec["input_shape"])
    modules: list[nn.Module] = []
    ndim = len(input_shape)
    for cfg in spec["layers"]:
        module = _layer(cfg, ndim)
        if module is not None:
            modules.append(module)
        if cfg["type"].lower() in {"flatten", "dense", "affine", "linear"}:
            ndim = 1
    net = nn.Sequential(*modules)
    with torch.no_grad():
        net(torch.zeros((2, *input_shape), dtype=torch.float32))  # materialise Lazy modules
    return net


class TorchStep:
    """One Adam training step on a batch, the same work as ``model.train_step``."""

    def __init__(self, spec: dict[str, Any], lr: float = 1e-3, seed: int = 0) -> None:
        self.net = torch_from_spec(spec, seed)
        self.net.train()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr)
        self.loss_fn = nn.CrossEntropyLoss()

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.net(x), y)
        loss.backward()
        self.opt.step()
        return float(loss.detach())
