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
    rows = probes.trace_layers(model, model.forward_trace(x))
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


def test_a_cell_holds_every_example_of_its_pair_most_confident_first() -> None:
    # Six examples by hand: true labels and the probabilities the model gave them.
    y = np.array([1, 1, 1, 0, 1, 2])
    probs = np.array([[0.1, 0.2, 0.7], [0.0, 0.4, 0.6], [0.05, 0.05, 0.9],
                      [0.2, 0.1, 0.7], [0.1, 0.8, 0.1], [0.0, 0.1, 0.9]])
    x = np.arange(6 * 4, dtype=np.float32).reshape(6, 4)
    cell = probes.cell_probs(probs, x, y, true=1, pred=2, image_shape=(2, 2), offset=0,
                             limit=10)
    # Examples 0, 1, 2 are 1s read as 2s; by confidence 0.9 (2), 0.7 (0), 0.6 (1).
    assert cell["total"] == 3 and [m["index"] for m in cell["items"]] == [2, 0, 1]
    assert [m["confidence"] for m in cell["items"]] == [0.9, 0.7, 0.6]
    assert np.array(cell["items"][0]["image"]).tolist() == [[8, 9], [10, 11]]
    page = probes.cell_probs(probs, x, y, 1, 2, (2, 2), offset=1, limit=1)
    assert page["total"] == 3 and [m["index"] for m in page["items"]] == [0]
    assert probes.cell_probs(probs, x, y, 1, 1, None, 0, 10)["total"] == 1  # a correct cell
    points = probes.cell_probs(probs, x, y, 0, 2, None, 0, 10)["items"]
    assert points[0]["image"] is None and points[0]["point"] == [12, 13, 14, 15]


def test_the_final_weights_histograms_reach_a_late_joiner_when_nobody_watched() -> None:
    """A fast run can end before the page's socket opens: ProbeCallback still sends one set
    for the final weights, and the run's state keeps it (the page shows it on joining)."""
    from nnplayground.jobs.callbacks import ProbeCallback
    from nnplayground.jobs.model import Kind
    from nnplayground.jobs.state import TrainState

    class Quiet:  # a job context nobody watches
        def __init__(self) -> None:
            self.events: list[tuple[str, dict]] = []

        def watched(self) -> bool:
            return False

        def filter_layers(self) -> set[int]:
            return set()

        def emit(self, type_: str, data: dict, layer: int | None = None) -> None:
            self.events.append((type_, data))

    rng = np.random.default_rng(0)
    model = Sequential([{"type": "dense", "units": 4}, {"type": "relu"},
                        {"type": "dense", "units": 2}], input_shape=(3,), rng=0)
    model.compile(optimizer="sgd", loss="softmax_cross_entropy")
    ctx = Quiet()
    x, y = rng.standard_normal((40, 3)).astype(np.float32), rng.integers(0, 2, 40)
    model.fit(x, y, epochs=1, batch_size=10, verbose=0,
              callbacks=[ProbeCallback(ctx, x[:8], every=3)])  # type: ignore[arg-type]
    sent = [(t, d["step"]) for t, d in ctx.events if t == "activations"]
    assert sent == [("activations", 4)]  # the last step, once, though nobody watched
    state = TrainState(id=1, kind=Kind.TRAIN, name="r", config={}, created_at=0.0)
    state.record("activations", dict(ctx.events[0][1]), store=None)  # type: ignore[arg-type]
    assert state.state()["activations"]["step"] == 4
