from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SIDE = 2048


class Pixels(BaseModel):
    """Canvas ImageData: RGBA bytes, base64-encoded."""

    width: int = Field(ge=1, le=MAX_SIDE)
    height: int = Field(ge=1, le=MAX_SIDE)
    data: str = Field(max_length=4 * MAX_SIDE * MAX_SIDE * 4 // 3 + 8)


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: list[list[float]] | None = None
    pixels: Pixels | None = None
    png: str | None = Field(None, max_length=16 * 2**20)
    points: list[list[float]] | None = Field(None, max_length=20_000)
    # None: preprocess drawings (pixels/png) and any image that is not exactly 28x28
    preprocess: bool | None = None
    layers: bool = True  # include per-layer activations and feature maps

    @model_validator(mode="after")
    def _exactly_one(self) -> PredictRequest:
        given = [k for k in ("image", "pixels", "png", "points") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'image', 'pixels', 'png' or 'points', got "
                             f"{given or 'none'}")
        return self


class FeatureMaps(BaseModel):
    """The first maps of a conv-shaped output, as bytes (see probes.maps_as_bytes)."""

    shape: list[int]  # [maps, h, w]
    data: str  # base64 of maps*h*w uint8, row-major, each map scaled 0..255 over its range
    range: list[list[float]]  # [min, max] of every map


class LayerActivation(BaseModel):
    index: int
    type: str
    shape: list[int]
    feature_maps: FeatureMaps | None = None
    values: list | None = None


class Prediction(BaseModel):
    probs: list[float]
    top: int
    input: list[list[float]]
    layers: list[LayerActivation]
    server_ms: float


class PointsPrediction(BaseModel):
    probs: list[list[float]]
    top: list[int]


class Evaluation(BaseModel):
    accuracy: float | None
    count: int
    confusion: list[list[int]]
    mistakes: list[dict[str, Any]]


class CellMistakes(BaseModel):
    true: int
    pred: int
    total: int  # examples in the cell; ``items`` is one page of them
    offset: int
    count: int  # test examples evaluated
    items: list[dict[str, Any]]
