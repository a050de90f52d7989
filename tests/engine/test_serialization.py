"""Save/load round trip through .npz, and refusal of pickled or tampered files."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from nnplayground.engine import ModelFileError, Sequential, load_model
from nnplayground.engine.serialization import to_bytes

SPEC = {
    "name": "bn-net",
    "input_shape": [1, 6, 6],
    "layers": [
        {"type": "conv2d", "filters": 2, "kernel_size": 3},
        {"type": "batchnorm"},
        {"type": "relu"},
        {"type": "flatten"},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 3, "init": {"name": "normal", "std": 0.1}},
    ],
}


def trained_model() -> tuple[Sequential, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((16, 1, 6, 6), dtype=np.float32)
    y = rng.integers(0, 3, 16)
    model = Sequential.from_config(SPEC, rng=1)
    model.compile({"name": "adam", "lr": 0.01, "weight_decay": 1e-4}, "softmax_cross_entropy")
    model.fit(x, y, epochs=2, batch_size=8)  # moves BatchNorm's running statistics
    return model, x


def test_round_trip_gives_identical_predictions(tmp_path: Path) -> None:
    model, x = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    again = Sequential.load(path)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.get_config() == model.get_config()
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32
    assert again.optimizer.get_config() == model.optimizer.get_config()
    assert again.loss_name == "softmax_cross_entropy"
    # from bytes too (the server receives uploads as a request body)
    from_bytes = load_model(to_bytes(model))
    np.testing.assert_array_equal(from_bytes.predict(x), model.predict(x))


def test_the_archive_holds_only_plain_arrays(tmp_path: Path) -> None:
    model, _ = trained_model()
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert archive["meta"].dtype == np.uint8
        meta = json.loads(archive["meta"].tobytes())
        assert meta["spec"] == model.get_config() and meta["dtype"] == "float32"
        # 6 parameters + 2 BatchNorm running statistics
        assert set(archive.files) == {"meta", *(f"arr_{i}" for i in range(8))}


def test_refuses_pickled_files(tmp_path: Path) -> None:
    model, _ = trained_model()
    meta = np.load(io.BytesIO(to_bytes(model)))["meta"]
    sneaky = tmp_path / "objects.npz"
    with open(sneaky, "wb") as fh:
        np.savez(fh, meta=meta, arr_0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(sneaky)
    plain_pickle = tmp_path / "model.pkl"
    plain_pickle.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ModelFileError, match="pickled"):
        load_model(plain_pickle)
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(b"PK\x03\x04 definitely not a zip")


def _rewrite(source: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    with np.load(io.BytesIO(source)) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays["meta"].tobytes())
    edit(meta, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_refuses_a_tampered_spec() -> None:
    model, _ = trained_model()
    good = to_bytes(model)

    def negative_units(meta, arrays):  # type: ignore[no-untyped-def]
        meta["spec"]["layers"][5]["units"] = -5

    with pytest.raises(ModelFileError, match=r"layer 5, field 'units'.*-5"):
        load_model(_rewrite(good, negative_units))

    def other_width(meta, arrays):  # type: ignore[no-untyped-def]
        meta["spec"]["layers"][5]["units"] = 4

    with pytest.raises(ModelFileError, match=r"layer 5 \(dense\) parameter 'W'"):
        load_model(_rewrite(good, other_width))

    def missing_weight(meta, arrays):  # type: ignore[no-untyped-def]
        del arrays["arr_7"]

    with pytest.raises(ModelFileError, match="expected 8 weight arrays, got 7"):
        load_model(_rewrite(good, missing_weight))

    def newer_format(meta, arrays):  # type: ignore[no-untyped-def]
        meta["format"] = 99

    with pytest.raises(ModelFileError, match="format 99"):
        load_model(_rewrite(good, newer_format))

    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(b"{not json", dtype=np.uint8))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(buf.getvalue())


def test_save_keeps_the_given_file_name(tmp_path: Path) -> None:
    model, _ = trained_model()
    target = tmp_path / "weights.bin"
    model.save(target)
    assert target.exists() and not (tmp_path / "weights.bin.npz").exists()
    assert load_model(target).count_params() == model.count_params()


def zip_bomb(inflated: int, declared_npy_shape: tuple[int, ...] | None = None) -> bytes:
    """An .npz whose one float32 entry inflates to ``inflated`` bytes (zeros compress
    about 1000:1), written in pieces so the test itself never holds it."""
    import zipfile

    shape = declared_npy_shape or (inflated // 4,)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("arr_0.npy", "w", force_zip64=True) as fh:
        fh.write(header.getvalue())
        zeros = bytes(1 << 20)
        for _ in range(inflated >> 20):
            fh.write(zeros)
    return buf.getvalue()


def _peak_of(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_zip_bomb_is_refused_from_its_declared_size() -> None:
    bomb = zip_bomb(128 << 20)
    assert len(bomb) < 1_000_000

    def load() -> None:
        with pytest.raises(ModelFileError, match="decompress to"):
            load_model(bomb, max_bytes=64 << 20)

    assert _peak_of(load) < 8 << 20  # was decompressed whole: RSS 465 -> 1,483 MB


def test_npy_header_must_match_the_entry_size() -> None:
    lying = zip_bomb(1 << 20, declared_npy_shape=(10**9,))  # claims 4 GB in 1 MiB
    with pytest.raises(ModelFileError, match="declares"):
        load_model(lying)
    short = zip_bomb(1 << 20, declared_npy_shape=(10,))
    with pytest.raises(ModelFileError, match="holds"):
        load_model(short)


def test_reading_stops_at_the_cap() -> None:
    model, _ = trained_model()
    blob = to_bytes(model)
    with pytest.raises(ModelFileError, match="limit"):
        load_model(blob, max_bytes=1000)
    assert load_model(blob, max_bytes=1 << 20).count_params() == model.count_params()


def test_a_tiny_file_cannot_ask_for_a_huge_model() -> None:
    meta = {"format": 1, "dtype": "float32", "compile": None,
            "spec": {"input_shape": [10000], "layers": [{"type": "dense", "units": 4000}]}}
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
    with pytest.raises(ModelFileError, match="parameters"):
        _peak_of(lambda: load_model(buf.getvalue()))
    assert _peak_of(lambda: pytest.raises(ModelFileError, load_model, buf.getvalue())) < 8 << 20


def test_error_names_the_given_name_not_the_path(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    path.write_bytes(b"junk")
    with pytest.raises(ModelFileError) as info:
        load_model(path, name="m.npz")
    assert str(tmp_path) not in str(info.value) and "m.npz" in str(info.value)
