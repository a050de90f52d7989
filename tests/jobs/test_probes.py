"""Feature maps travel as bytes; decoding them with their ranges gives back the layer output."""

from __future__ import annotations

import base64

import numpy as np

from nnplayground.engine import Sequential
from nnplayground.jobs import probes

SPEC = {"input_shape": [1, 8, 8], "layers": [
    {"type": "conv2d", "filters": 20, "kernel_size": 3}, {"type": "relu"},
    {"type": "flatten"}, {"type": "dense", "units": 3}]}


def test_feature_maps_decode_to_the_layer_output() -> None:
    model = Sequential.from_config(SPEC, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).random((1, 1, 8, 8), dtype=np.float32)
    rows = probes.trace_layers(model, x)
    truth = model.forward_trace(x)[0][0, : probes.MAX_MAPS]  # conv output, capped maps
    fm = rows[0]["feature_maps"]
    assert fm["shape"] == [probes.MAX_MAPS, 6, 6] and rows[0]["shape"] == [20, 6, 6]
    raw = np.frombuffer(base64.b64decode(fm["data"]), np.uint8).reshape(fm["shape"])
    lo, hi = np.array(fm["range"]).T
    decoded = lo[:, None, None] + raw / 255.0 * (hi - lo)[:, None, None]
    assert np.allclose(decoded, truth, atol=float((hi - lo).max()) / 255 + 1e-3)
    assert raw.reshape(probes.MAX_MAPS, -1).max(axis=1).tolist() == [255] * probes.MAX_MAPS
    assert "values" in rows[2] and len(rows[3]["values"]) == 3  # flat layers stay numbers


def test_a_constant_map_does_not_divide_by_zero() -> None:
    out = probes.maps_as_bytes(np.zeros((2, 3, 3), np.float32))
    assert base64.b64decode(out["data"]) == bytes(18) and out["range"].tolist() == [[0, 0]] * 2
