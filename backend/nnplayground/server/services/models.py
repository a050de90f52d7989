"""Saved models: .npz files (the engine's format, spec inside, never pickled) in the data
directory, with names checked so no request can reach outside that directory."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from ...engine import Sequential
from ..errors import ApiError, not_found

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_name(name: str) -> str:
    if name.endswith(".npz"):
        name = name[:-4]
    if not NAME.match(name) or ".." in name:
        raise ApiError(422, "invalid", f"model name {name!r} must be 1-64 letters, digits, "
                       "'_', '-' or '.', starting with a letter or digit", field="name")
    return name


class ModelStore:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
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
        paths = sorted(self.dir.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [self.info(p) for p in paths if NAME.match(p.stem)]

    def save(self, name: str, model: Any) -> dict[str, Any]:
        path = self.path(name)
        self._atomic(path, lambda tmp: model.save(tmp))
        return self.info(path)

    def upload(self, name: str, data: bytes) -> dict[str, Any]:
        path = self.path(name)

        def write_checked(tmp: str) -> None:
            Path(tmp).write_bytes(data)
            try:
                Sequential.load(tmp)  # the engine refuses pickles and checks the spec
            except Exception as exc:
                raise ApiError(422, "bad_model", f"not a valid model file: {exc}",
                               field="body") from None

        self._atomic(path, write_checked)
        return self.info(path)

    def _atomic(self, path: Path, write: Any) -> None:
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=self.dir, prefix=".upload-")
        os.close(fd)
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        with self._lock:
            self._cache.pop(path.stem, None)

    def delete(self, name: str) -> None:
        path = self.existing(name)
        path.unlink()
        with self._lock:
            self._cache.pop(path.stem, None)

    def load(self, name: str) -> tuple[Any, threading.Lock]:
        """The loaded model (cached while the file is unchanged) and its prediction lock."""
        path = self.existing(name)
        mtime = path.stat().st_mtime
        with self._lock:
            hit = self._cache.get(path.stem)
            if hit and hit[0] == mtime:
                return hit[1], hit[2]
        try:
            model = Sequential.load(str(path))
        except Exception as exc:
            raise ApiError(422, "bad_model", f"model {path.stem!r} cannot be loaded: {exc}") \
                from None
        entry = (mtime, model, threading.Lock())
        with self._lock:
            self._cache[path.stem] = entry
        return entry[1], entry[2]
