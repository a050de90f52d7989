"""One prediction: decode the request's image (28x28 array, canvas RGBA or PNG), bring it to
MNIST form, run it through a model and collect per-layer activations."""

from __future__ import annotations

import binascii
import math
import time
from typing import Any

import numpy as np

from ...jobs import probes
from ..errors import ApiError
from .png import PngError, decode_png
from .preprocess import rgba_to_ink, to_mnist

MAX_SIDE = 2048


def _bad(message: str, field: str) -> ApiError:
    return ApiError(422, "invalid", message, field=field)


def _b64(text: str, field: str) -> bytes:
    if "," in text[:64] and text.startswith("data:"):
        text = text.split(",", 1)[1]  # a data: URL from canvas.toDataURL()
    try:
        return binascii.a2b_base64(text, strict_mode=True)  # C speed, rejects junk
    except (binascii.Error, ValueError):
        raise _bad(f"{field} is not valid base64", field) from None


def input_image(req: Any) -> np.ndarray:
    """The 28x28 float32 image in [0, 1] the model will see."""
    if req.image is not None:
        img = np.asarray(req.image, dtype=np.float32)
        if img.ndim != 2 or min(img.shape) < 1 or max(img.shape) > MAX_SIDE:
            raise _bad(f"image must be a 2-D array (28x28), got shape {list(img.shape)}", "image")
        if not np.isfinite(img).all():
            raise _bad("image contains NaN or infinite values", "image")
        if img.min() < 0 or img.max() > 1:
            raise _bad(f"image values must lie in [0, 1], got {img.min():g}..{img.max():g}",
                       "image")
        if img.shape == (28, 28) and not req.preprocess:
            return img
        return to_mnist(img)
    if req.pixels is not None:
        p = req.pixels
        raw = _b64(p.data, "pixels.data")
        if len(raw) != p.width * p.height * 4:
            raise _bad(f"pixels.data holds {len(raw)} bytes but {p.width}x{p.height} RGBA needs "
                       f"{p.width * p.height * 4}", "pixels.data")
        rgba = np.frombuffer(raw, dtype=np.uint8).reshape(p.height, p.width, 4)
    else:
        try:
            rgba = decode_png(_b64(req.png, "png"))
        except PngError as exc:
            code = "too_large" if exc.status == 413 else "invalid"
            raise ApiError(exc.status, code, str(exc), field="png") from None
    ink = rgba_to_ink(rgba)
    if req.preprocess is False:
        if ink.shape != (28, 28):
            raise _bad(f"preprocess=false needs a 28x28 image, got {ink.shape[1]}x{ink.shape[0]}",
                       "preprocess")
        return ink
    return to_mnist(ink)


def run_model(model: Any, image: np.ndarray, layers: bool = True) -> dict[str, Any]:
    t0 = time.perf_counter()
    shape = model_input_shape(model)
    if math.prod(shape) != 784:
        raise ApiError(422, "invalid", f"this model takes input {list(shape)}, not a 28x28 image; "
                       "send 'points' instead", field="image")
    x = image.reshape(1, *shape).astype(np.float32)
    if layers:  # one pass gives the taps and the probabilities (not one pass each)
        outs = model.forward_trace(x)
        rows = probes.trace_layers(model, outs)
        probs = probes.as_class_probs(model.proba_from_trace(x, outs))
    else:
        rows, probs = [], probes.class_probs(model, x)
    return {"probs": probs[0], "top": int(probs[0].argmax()),
            "input": probes.rounded(image), "layers": rows,
            "server_ms": (time.perf_counter() - t0) * 1000}


def model_input_shape(model: Any) -> tuple[int, ...]:
    shape = getattr(model, "input_shape", None)
    if shape is None:
        shape = model.get_config()["input_shape"]
    return tuple(int(d) for d in shape)


def run_points(model: Any, points: list[list[float]]) -> dict[str, Any]:
    """Class probabilities for 2-D points (toy data sets: the decision-boundary map)."""
    x = np.asarray(points, dtype=np.float32)
    shape = model_input_shape(model)
    if x.ndim != 2 or x.shape[1] != math.prod(shape):
        raise _bad(f"points must be rows of {math.prod(shape)} numbers, got shape "
                   f"{list(x.shape)}", "points")
    if not np.isfinite(x).all():
        raise _bad("points contain NaN or infinite values", "points")
    probs = probes.class_probs(model, x.reshape(-1, *shape))
    return {"probs": probs.tolist(), "top": probs.argmax(axis=1).tolist()}
