"""Request bodies of the lab endpoints.  The bounds cap the work one click may ask for
(iterations, epochs, trials), so nobody can hog the machine; the labs check again."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PositiveLr = Annotated[float, Field(gt=0, le=100)]
Optimizer = Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
InitName = Literal["std1", "std0.01", "xavier", "he"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- instant labs (computed on request) -------------------------------------------------
class RaceRequest(Strict):
    surface: Literal["book", "rosenbrock", "saddle", "plateau"] = "book"
    start: tuple[Annotated[float, Field(ge=-100, le=100)],
                 Annotated[float, Field(ge=-100, le=100)]] | None = None
    steps: Annotated[int, Field(ge=1, le=500)] | None = None
    lrs: dict[Optimizer, PositiveLr] | None = None
    optimizers: list[Optimizer] | None = None
    grid: bool = True


class HistogramRequest(Strict):
    inits: list[InitName] | None = None
    activations: list[Literal["sigmoid", "tanh", "relu"]] | None = None
    samples: Annotated[int, Field(ge=10, le=5000)] = 1000
    layers: Annotated[int, Field(ge=1, le=10)] = 5
    bins: Annotated[int, Field(ge=5, le=100)] = 30
    seed: Annotated[int, Field(ge=0)] = 0


class GateRequest(Strict):
    w1: Annotated[float, Field(ge=-100, le=100)]
    w2: Annotated[float, Field(ge=-100, le=100)]
    b: Annotated[float, Field(ge=-100, le=100)]


class GradCheckRequest(Strict):
    model: Literal["two_layer_net", "tiny_cnn", "bn_mlp"] = "two_layer_net"
    seed: Annotated[int, Field(ge=0)] = 0


class CostRequest(Strict):
    w: Annotated[float, Field(ge=-20, le=20)] = 2.0
    b: Annotated[float, Field(ge=-20, le=20)] = 2.0
    x: Annotated[float, Field(ge=-20, le=20)] = 1.0
    y: Annotated[float, Field(ge=0, le=1)] = 0.0
    lr: Annotated[float, Field(gt=0, le=10)] = 0.15
    epochs: Annotated[int, Field(ge=1, le=2000)] = 300


# ---- background jobs ---------------------------------------------------------------------
class OptimizersMnistParams(Strict):
    iterations: Annotated[int, Field(ge=1, le=5000)] = 2000
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 128
    train_size: Annotated[int, Field(ge=1000, le=60000)] = 60000
    lrs: dict[Optimizer, Annotated[float, Field(gt=0, le=10)]] | None = None
    seed: Annotated[int, Field(ge=0)] = 0


class WeightInitCompareParams(Strict):
    iterations: Annotated[int, Field(ge=1, le=5000)] = 2000
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 128
    train_size: Annotated[int, Field(ge=1000, le=60000)] = 60000
    inits: list[InitName] | None = None
    lr: Annotated[float, Field(gt=0, le=10)] = 0.01
    seed: Annotated[int, Field(ge=0)] = 0


class BatchNormParams(Strict):
    epochs: Annotated[int, Field(ge=1, le=100)] = 20
    scales: list[Annotated[int, Field(ge=0, le=15)]] | None = None
    train_size: Annotated[int, Field(ge=100, le=10000)] = 1000
    lr: Annotated[float, Field(gt=0, le=10)] = 0.01
    seed: Annotated[int, Field(ge=0)] = 0


class OverfittingParams(Strict):
    epochs: Annotated[int, Field(ge=1, le=500)] = 201
    weight_decay: Annotated[float, Field(ge=0, le=10)] = 0.0
    dropout: Annotated[float, Field(ge=0, lt=1)] = 0.0
    train_size: Annotated[int, Field(ge=100, le=60000)] = 300
    test_size: Annotated[int, Field(ge=100, le=10000)] = 10000
    eval_every: Annotated[int, Field(ge=1, le=500)] = 1
    lr: Annotated[float, Field(gt=0, le=10)] = 0.01
    seed: Annotated[int, Field(ge=0)] = 0


class SearchParams(Strict):
    trials: Annotated[int, Field(ge=1, le=200)] = 100
    epochs: Annotated[int, Field(ge=1, le=200)] = 50
    train_size: Annotated[int, Field(ge=100, le=10000)] = 500
    validation_rate: Annotated[float, Field(ge=0.05, le=0.5)] = 0.2
    lr_exp: tuple[float, float] = (-6.0, -2.0)
    wd_exp: tuple[float, float] = (-8.0, -4.0)
    seed: Annotated[int, Field(ge=0)] = 0


class ToyParams(Strict):
    dataset: Literal["xor", "circle", "gaussians", "spiral", "linear"] = "spiral"
    hidden: list[Annotated[int, Field(ge=1, le=64)]] = Field(default=[8, 8], max_length=6)
    activation: Literal["tanh", "relu", "sigmoid", "leakyrelu"] = "tanh"
    optimizer: Optimizer = "adam"
    lr: Annotated[float, Field(gt=0, le=10)] = 0.03
    epochs: Annotated[int, Field(ge=1, le=2000)] = 200
    n: Annotated[int, Field(ge=10, le=2000)] = 300
    noise: Annotated[float, Field(ge=0, le=1)] = 0.1
    batch_size: Annotated[int, Field(ge=1, le=2000)] = 10
    grid: Annotated[int, Field(ge=10, le=80)] = 40
    every: Annotated[int, Field(ge=1, le=500)] = 10
    seed: Annotated[int, Field(ge=0)] = 0


class ApproximationParams(Strict):
    target: Literal["nielsen", "sine", "step", "bump"] = "sine"
    hidden: Annotated[int, Field(ge=1, le=200)] = 10
    iterations: Annotated[int, Field(ge=1, le=20000)] = 3000
    lr: Annotated[float, Field(gt=0, le=1)] = 0.05
    every: Annotated[int, Field(ge=1, le=5000)] = 50
    seed: Annotated[int, Field(ge=0)] = 0


class JobRequest(Strict):
    lab: str
    params: dict = Field(default_factory=dict)
