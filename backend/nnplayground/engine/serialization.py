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
import math
import zipfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.lib import format as npformat

from .core import SpecError

if TYPE_CHECKING:
    from .model import RngLike, Sequential

FORMAT_VERSION = 1
# Decompressed bytes a model file may hold unless the caller says otherwise: 50M float64
# parameters (the engine's own parameter limit) plus room for BatchNorm buffers and the spec.
DEFAULT_MAX_BYTES = 8 * 50_000_000 + (16 << 20)
MAX_ENTRIES = 10_000
SPARE_PARAMS = 1_000_000
READ_STEP = 1 << 20
HEADER_READERS = {(1, 0): npformat.read_array_header_1_0, (2, 0): npformat.read_array_header_2_0}
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


def read_arrays(source: Source, name: str, max_bytes: int = DEFAULT_MAX_BYTES
                ) -> dict[str, np.ndarray]:
    """Every array of an .npz file; pickles, object arrays and bombs are refused."""
    return _open(source, name, max_bytes)


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int,
                name: str) -> np.ndarray:
    """One .npy member, read in steps into an array allocated from its checked header: the
    header's shape must match the member's declared size, and the stream may not run
    longer than that (zipfile also stops at the declared size and checks the CRC)."""
    entry = info.filename
    with archive.open(info) as fh:
        try:
            version = npformat.read_magic(fh)
            read_header = HEADER_READERS.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy version {version}")
            shape, fortran, dtype = read_header(fh)
        except (ValueError, EOFError) as exc:
            raise ModelFileError(f"{name}: entry {entry!r} is not a .npy array ({exc})") \
                from None
        if dtype.hasobject or dtype.kind not in "fiub":
            raise ModelFileError(f"{name} was refused: entry {entry!r} holds {dtype} data "
                                 "(pickled Python objects are never loaded)")
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > budget:
            raise ModelFileError(f"{name}: entry {entry!r} declares {nbytes:,} bytes, over "
                                 f"the limit of {budget:,}")
        if nbytes != info.file_size - fh.tell():
            raise ModelFileError(f"{name}: entry {entry!r} declares shape {list(shape)} but "
                                 f"holds {info.file_size - fh.tell():,} bytes of data")
        out = np.empty(math.prod(shape), dtype=dtype)
        view = memoryview(out.view(np.uint8))
        pos = 0
        while pos < nbytes:
            got = fh.readinto(view[pos:pos + READ_STEP])
            if not got:
                raise ModelFileError(f"{name}: entry {entry!r} is truncated")
            pos += got
        if fh.read(1):
            raise ModelFileError(f"{name}: entry {entry!r} is longer than it declares")
    return out.reshape(shape, order="F" if fortran else "C")


def _open(source: Source, name: str, max_bytes: int) -> dict[str, np.ndarray]:
    """Every array of an .npz archive, never decompressing more than ``max_bytes`` in all:
    the sizes declared in the zip directory are checked before anything is inflated, and
    each entry again while it is read."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(bytes(source))
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ModelFileError(f"{name} has {len(infos):,} entries (limit {MAX_ENTRIES})")
            declared = sum(info.file_size for info in infos)
            if declared > max_bytes:
                raise ModelFileError(f"{name} would decompress to {declared:,} bytes, over "
                                     f"the limit of {max_bytes:,}")
            arrays, budget = {}, max_bytes
            for info in infos:
                key = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy") or key in arrays:
                    raise ModelFileError(f"{name}: unexpected entry {info.filename!r}")
                arrays[key] = _read_entry(archive, info, budget, name)
                budget -= arrays[key].nbytes
            return arrays
    except ModelFileError:
        raise
    except (OSError, EOFError, ValueError, NotImplementedError, zipfile.BadZipFile) as exc:
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
    source: Source, rng: RngLike = None, name: str | None = None, cls: Any = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Sequential:
    """Rebuild a saved model (and its compile settings; optimizer state starts fresh) as
    ``cls`` (Sequential, or nnplayground.keras's).  ``name`` is what error messages call
    the file (its path by default); at most ``max_bytes`` are decompressed."""
    from .model import DATA_FORMATS, Sequential

    cls = cls or Sequential
    name = name or (str(source) if isinstance(source, (str, Path)) else "model file")
    arrays = _open(source, name, max_bytes)
    meta = _read_meta(arrays, name)
    data_format = meta.get("data_format", "channels_first")
    if data_format not in DATA_FORMATS:
        raise ModelFileError(f"{name}: bad data_format {data_format!r}")
    # A spec needing far more parameters than the file holds numbers is refused before the
    # model is allocated (a tiny file must not cost gigabytes); a near miss is built, so the
    # weight check below can name the mismatching layer.
    stored = sum(int(a.size) for key, a in arrays.items() if key.startswith("arr_"))
    try:
        model = cls.from_config(
            meta["spec"], rng=rng, dtype=meta["dtype"], data_format=data_format,
            max_params=2 * stored + SPARE_PARAMS,
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
