"""The model store: names matched to the end, uploads checked before they touch the disk and
written through fsynced temp files, leftovers removed at start, a read-only or full disk
answered with 503/507 naming no server path."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from nnplayground.engine import Sequential
from nnplayground.engine.serialization import to_bytes
from nnplayground.server.errors import ApiError
from nnplayground.server.services import files
from nnplayground.server.services.models import ModelStore, check_name

SPEC = {"input_shape": [2], "layers": [{"type": "dense", "units": 3}]}


def _model() -> Sequential:
    return Sequential.from_config(SPEC, rng=0)


@pytest.mark.parametrize("name", ["evil\n", "ok\n.npz", "a\nb", "x" * 65, "", "-x", "a/b"])
def test_names_are_matched_to_the_very_end(name: str) -> None:
    with pytest.raises(ApiError) as info:
        check_name(name)
    assert info.value.status == 422 and info.value.field == "name"


def test_leftover_temp_files_are_removed_at_start(tmp_path: Path) -> None:
    (tmp_path / ".upload-abc.npz").write_bytes(b"half")
    (tmp_path / "kept.npz").write_bytes(to_bytes(_model()))
    store = ModelStore(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.npz"]
    assert [m["name"] for m in store.list()] == ["kept"]


def test_bad_upload_never_reaches_the_disk(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    with pytest.raises(ApiError) as info:
        store.upload("bad", b"PK\x03\x04 not really")
    assert info.value.status == 422 and str(tmp_path) not in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_writes_are_fsynced_and_renamed(tmp_path: Path, monkeypatch) -> None:
    synced, replaced = [], []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    monkeypatch.setattr(files.os, "replace",
                        lambda a, b: (replaced.append((Path(a).name, Path(b).name)),
                                      real_replace(a, b)))
    store = ModelStore(tmp_path)
    store.upload("up", to_bytes(_model()))
    store.save("saved", _model())
    assert len(synced) >= 4  # each file and its directory
    # (the engine's save may itself write its target through a temporary name)
    finals = [(a, b) for a, b in replaced if not b.startswith(files.TEMP_PREFIX)]
    assert [b for _, b in finals] == ["up.npz", "saved.npz"]
    assert all(a.startswith(files.TEMP_PREFIX) for a, _ in finals)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saved.npz", "up.npz"]


@pytest.mark.parametrize(("err", "status", "code"), [
    (errno.ENOSPC, 507, "storage_full"), (errno.EROFS, 503, "storage_unavailable"),
    (errno.EACCES, 503, "storage_unavailable"), (errno.EIO, 503, "storage_unavailable"),
])
def test_storage_errors_are_503_or_507_without_paths(tmp_path: Path, monkeypatch, err, status,
                                                     code) -> None:
    store = ModelStore(tmp_path)
    store.save("old", _model())

    def fail(*_: object) -> None:
        raise OSError(err, os.strerror(err), str(tmp_path / ".upload-x.npz"))

    monkeypatch.setattr(files.os, "replace", fail)
    for action in (lambda: store.save("m", _model()),
                   lambda: store.upload("m", to_bytes(_model()))):
        with pytest.raises(ApiError) as info:
            action()
        assert (info.value.status, info.value.code) == (status, code)
        assert str(tmp_path) not in info.value.message
    monkeypatch.setattr(Path, "unlink", fail)
    with pytest.raises(ApiError) as info:
        store.delete("old")
    assert info.value.status == status
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz"]  # no temp file left


def test_the_loaded_model_predicts_like_the_saved_one(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    model = _model()
    store.save("m", model)
    loaded, _ = store.load("m")
    x = np.array([[0.5, -1.0]], np.float32)
    assert np.array_equal(loaded.predict(x), model.predict(x))
