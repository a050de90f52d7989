"""Saved models: .npz files (the engine's format, spec inside, never pickled) in the data
directory, with names checked so no request can reach outside that directory.  Files are
written through ``files.atomic_write``; reading one never inflates more than ``max_bytes``."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from ...engine import load_model
from ...engine.serialization import DEFAULT_MAX_BYTES, ModelFileError
from ..errors import ApiError, not_found
from .files import atomic_write, remove_leftovers, storage_error

# \Z, not $: "$" also matches before a final newline, which let "evil\n" through.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")


def check_name(name: str) -> str:
    if name.endswith(".npz"):
        name = name[:-4]
    if not NAME.match(name) or ".." in name:
        raise ApiError(422, "invalid", f"model name {name!r} must be 1-64 letters, digits, "
                       "'_', '-' or '.', starting with a letter or digit", field="name")
    return name


class ModelStore:
    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.dir = directory
        self.max_bytes = max_bytes
        self.dir.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.dir)
        self._cache: dict[str, tuple[float, Any, threading.Lock]] = {}
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        return self.dir / f"{check_name(name)}.npz"

    def existing(self, name: str) -> Path:
        path = self.path(name)
        if not path.is_file():
            raise not_found("model", check_name(name))
        return path

    def info(self, path: Path) -> dict[str, Any]:
        st = path.stat()
        out: dict[str, Any] = {"name": path.stem, "size_bytes": st.st_size,
                               "modified_at": st.st_mtime}
        try:
            model, _ = self.load(path.stem)
            cfg = model.get_config()
            out.update(spec=cfg, params=int(model.count_params()))
        except ApiError as exc:
            out.update(spec=None, params=None, error=exc.message)
        return out

    def list(self) -> list[dict[str, Any]]:
        out = []
        for path in self.dir.glob("*.npz"):
            if NAME.match(path.stem):
                try:
                    out.append(self.info(path))
                except (FileNotFoundError, ApiError):  # deleted meanwhile
                    continue
        return sorted(out, key=lambda m: m["modified_at"], reverse=True)

    def save(self, name: str, model: Any) -> dict[str, Any]:
        path = self.path(name)
        atomic_write(path, lambda tmp: model.save(tmp), "save the model")
        self._forget(path)
        return self.info(path)

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        path = self.path(name)
        try:  # checked in memory first: a bad file never reaches the disk
            load_model(data, name="the uploaded file", max_bytes=self.max_bytes)
        except ModelFileError as exc:  # the engine refuses pickles, bombs and bad specs
            raise ApiError(422, "bad_model", f"not a valid model file: {exc}",
                           field="body") from None
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), "store the upload")
        self._forget(path)
        return self.info(path)

    def _forget(self, path: Path) -> None:
        with self._lock:
            self._cache.pop(path.stem, None)

    def delete(self, name: str) -> None:
        path = self.existing(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise not_found("model", path.stem) from None
        except OSError as exc:
            raise storage_error(exc, "delete the model") from None
        self._forget(path)

    def load(self, name: str) -> tuple[Any, threading.Lock]:
        """The loaded model (cached while the file is unchanged) and its prediction lock."""
        path = self.existing(name)
        mtime = path.stat().st_mtime
        with self._lock:
            hit = self._cache.get(path.stem)
            if hit and hit[0] == mtime:
                return hit[1], hit[2]
        try:
            model = load_model(path, name=f"{path.stem}.npz", max_bytes=self.max_bytes)
        except ModelFileError as exc:
            raise ApiError(422, "bad_model", f"model {path.stem!r} cannot be loaded: {exc}") \
                from None
        except OSError as exc:
            raise storage_error(exc, f"read the model {path.stem!r}") from None
        entry = (mtime, model, threading.Lock())
        with self._lock:
            self._cache[path.stem] = entry
        return entry[1], entry[2]
