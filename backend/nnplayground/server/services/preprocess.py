"""Turn a drawing into an MNIST-like 28x28 image.

MNIST digits were size-normalised into a 20x20 box (keeping the aspect ratio) with area
resampling, then placed in 28x28 so that their centre of mass sits at the centre.  A drawn
digit must go through the same steps or the network sees something it never learned.
"""

from __future__ import annotations

import numpy as np

INK_THRESHOLD = 0.05  # fraction of the peak: fainter pixels are anti-aliasing noise


def rgba_to_ink(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 -> (H, W) float32 ink in [0, 1], 1 = stroke.

    With transparency (a canvas drawn on a clear background) ink is the alpha channel;
    opaque images are read as grey and inverted when the border is light (dark on white).
    """
    rgba = np.asarray(rgba)
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    grey = (rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) / 255
    if (alpha < 1.0).any():
        ink = alpha * np.where(_border_mean(grey * alpha) > 0.5, 1.0 - grey, 1.0)
        return ink.astype(np.float32)
    return (1.0 - grey if _border_mean(grey) > 0.5 else grey).astype(np.float32)


def _border_mean(img: np.ndarray) -> float:
    edge = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    return float(edge.mean())


def _area_matrix(src: int, dst: int) -> np.ndarray:
    """(dst, src) weights: each output cell averages the source cells it overlaps."""
    scale = src / dst
    lo = np.arange(dst)[:, None] * scale
    hi = lo + scale
    j = np.arange(src)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return (overlap / scale).astype(np.float32)


def resize_area(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-averaging resample (exact box overlap), for shrinking and enlarging alike."""
    h, w = img.shape
    return _area_matrix(h, height) @ img.astype(np.float32) @ _area_matrix(w, width).T


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    total = float(img.sum())
    if total <= 0:
        return (img.shape[0] - 1) / 2, (img.shape[1] - 1) / 2
    ys, xs = np.indices(img.shape)
    return float((ys * img).sum() / total), float((xs * img).sum() / total)


def to_mnist(ink: np.ndarray, box: int = 20, size: int = 28) -> np.ndarray:
    """Crop to the ink, scale the longest side to ``box``, centre by mass in ``size``x``size``."""
    ink = np.clip(np.asarray(ink, dtype=np.float32), 0.0, 1.0)
    if ink.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {list(ink.shape)}")
    out = np.zeros((size, size), dtype=np.float32)
    peak = float(ink.max()) if ink.size else 0.0
    if peak <= 0:
        return out  # blank drawing: nothing to centre
    rows = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * peak).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    digit = np.clip(resize_area(crop, nh, nw), 0.0, 1.0)
    cy, cx = center_of_mass(digit)
    centre = size / 2  # MNIST's centres of mass sit at pixel (14, 14), measured: 14.00+-0.28
    top = int(np.clip(round(centre - cy), 0, size - nh))
    left = int(np.clip(round(centre - cx), 0, size - nw))
    out[top:top + nh, left:left + nw] = digit
    return out
