"""Save and load models as plain .npz archives, never pickle.

Layout of the archive (every entry is a numeric array, so ``allow_pickle=False`` loads it):

    meta      UTF-8 JSON as uint8: {"format": 1, "dtype", "spec", "compile", "data_format"}
    arr_0..   parameters, then buffers, in ``Sequential.get_weights`` order

Loading refuses pickled files and object arrays, re-validates the spec like any user input,
and checks every weight's shape, naming the layer of a mismatch.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from .core import SpecError

if TYPE_CHECKING:
    from .model import RngLike, Sequential

FORMAT_VERSION = 1
Source = str | Path | bytes | IO[bytes]


class ModelFileError(ValueError):
    """A model file is unreadable, unsafe (pickle) or does not match its own spec."""


def _json_array(obj: Any) -> np.ndarray:
    return np.frombuffer(json.dumps(obj).encode("utf-8"), dtype=np.uint8)


def _archive(
    spec: dict[str, Any],
    weights: list[np.ndarray],
    dtype: str,
    compile_config: dict[str, Any] | None,
    data_format: str,
) -> dict[str, np.ndarray]:
    meta = {
        "format": FORMAT_VERSION,
        "dtype": dtype,
        "spec": spec,
        "compile": compile_config,
        "data_format": data_format,
    }
    arrays = {"meta": _json_array(meta)}
    arrays.update({f"arr_{i}": w for i, w in enumerate(weights)})
    return arrays


def archive_bytes(
    spec: dict[str, Any],
    weights: list[np.ndarray],
    dtype: str = "float32",
    compile_config: dict[str, Any] | None = None,
    data_format: str = "channels_first",
) -> bytes:
    """A model file from a spec and copied weights, without touching the model itself (the
    Playground callback builds it in its sending thread while training goes on)."""
    buf = io.BytesIO()
    np.savez(buf, **_archive(spec, weights, dtype, compile_config, data_format))
    return buf.getvalue()


def save_model(model: Sequential, target: str | Path | IO[bytes]) -> None:
    arrays = _archive(
        model.get_config(),
        model.get_weights(),
        model.dtype.name,
        model.compile_config(),
        model.data_format,
    )
    if isinstance(target, (str, Path)):
        # An open handle stops numpy from appending ".npz" to a name the caller chose.
        with open(target, "wb") as fh:
            np.savez(fh, **arrays)
    else:
        np.savez(target, **arrays)


def to_bytes(model: Sequential) -> bytes:
    buf = io.BytesIO()
    save_model(model, buf)
    return buf.getvalue()


def read_arrays(source: Source, name: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file; pickles and object arrays are refused."""
    return _open(source, name)


def _open(source: Source, name: str) -> dict[str, np.ndarray]:
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    try:
        with np.load(source, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ModelFileError(f"{name} is a single .npy array, not a model .npz archive")
            return {key: archive[key] for key in archive.files}
    except ModelFileError:
        raise
    except ValueError as exc:  # numpy's refusal of pickled data / object arrays
        raise ModelFileError(
            f"{name} was refused: it contains pickled Python objects, which "
            f"are never loaded ({exc})"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ModelFileError(f"{name} is not a readable .npz model file ({exc})") from None


def _read_meta(arrays: dict[str, np.ndarray], name: str) -> dict[str, Any]:
    raw = arrays.get("meta")
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{name} has no model spec ('meta' entry); is it a model file?")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{name}: the stored spec is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        version = meta.get("format") if isinstance(meta, dict) else meta
        raise ModelFileError(
            f"{name}: unsupported model file format {version!r} (expected {FORMAT_VERSION})"
        )
    if meta.get("dtype") not in ("float32", "float64"):
        raise ModelFileError(f"{name}: bad dtype {meta.get('dtype')!r}")
    return meta


def load_model(
    source: Source, rng: RngLike = None, name: str | None = None, cls: Any = None
) -> Sequential:
    """Rebuild a saved model (and its compile settings; optimizer state starts fresh) as
    ``cls`` (Sequential, or nnplayground.keras's)."""
    from .model import DATA_FORMATS, Sequential

    cls = cls or Sequential
    name = name or (str(source) if isinstance(source, (str, Path)) else "model file")
    arrays = _open(source, name)
    meta = _read_meta(arrays, name)
    data_format = meta.get("data_format", "channels_first")
    if data_format not in DATA_FORMATS:
        raise ModelFileError(f"{name}: bad data_format {data_format!r}")
    try:
        model = cls.from_config(
            meta["spec"], rng=rng, dtype=meta["dtype"], data_format=data_format
        )
    except SpecError as exc:
        raise ModelFileError(f"{name} has a bad spec: {exc}") from None
    count = sum(1 for key in arrays if key.startswith("arr_"))
    expected = {f"arr_{i}" for i in range(count)}
    if set(arrays) - {"meta"} != expected:
        extra = sorted(set(arrays) - {"meta"} - expected)
        raise ModelFileError(f"{name}: unexpected entries {extra}")
    weights = [arrays[f"arr_{i}"] for i in range(count)]
    for i, w in enumerate(weights):
        if w.dtype.kind != "f":
            raise ModelFileError(f"{name}: weight arr_{i} has dtype {w.dtype}, expected floats")
    try:
        model.set_weights(weights)
    except ValueError as exc:
        raise ModelFileError(f"{name} does not match its spec: {exc}") from None
    compiled = meta.get("compile")
    if compiled:
        try:
            model.compile(
                optimizer=compiled["optimizer"],
                loss=compiled["loss"],
                metrics=compiled.get("metrics", ["accuracy"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{name}: bad compile settings {compiled!r} ({exc})") from None
    return model
