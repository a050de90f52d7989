"""IDX parsing on synthetic files: every type code, gzip and raw, and each kind of damage."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from nnplayground.engine.data import IDX_TYPES, DatasetError, parse_idx, read_idx


def idx_bytes(array: np.ndarray, type_code: int) -> bytes:
    """Encode by hand (struct, not our reader's code path) so the test can disagree."""
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(IDX_TYPES[type_code]).tobytes()


@pytest.mark.parametrize("type_code", sorted(IDX_TYPES))
def test_every_type_code_round_trips(type_code: int) -> None:
    rng = np.random.default_rng(type_code)
    values = rng.integers(-100, 100, size=(3, 4, 2))
    if type_code == 0x08:
        values = np.abs(values)
    out = parse_idx(idx_bytes(values, type_code), name="synthetic")
    assert out.shape == (3, 4, 2)
    assert out.dtype == IDX_TYPES[type_code].newbyteorder("=")
    np.testing.assert_array_equal(out, values)
    assert not out.flags.writeable


def test_big_endian_counts_are_decoded() -> None:
    # 0x0102 labels: a little-endian reader would see 513 items and report truncation.
    labels = np.arange(258) % 10
    out = parse_idx(idx_bytes(labels, 0x08), expected_ndim=1)
    assert out.shape == (258,)
    assert out[-1] == 257 % 10


def test_gzip_and_raw_files_read_the_same(tmp_path: Path) -> None:
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    data = idx_bytes(images, 0x08)
    (tmp_path / "raw-idx3-ubyte").write_bytes(data)
    (tmp_path / "zipped-idx3-ubyte.gz").write_bytes(gzip.compress(data))
    np.testing.assert_array_equal(read_idx(tmp_path / "raw-idx3-ubyte", expected_ndim=3), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "zipped-idx3-ubyte.gz"), images)


def test_bad_magic_is_rejected_with_file_name() -> None:
    data = b"\x12\x34\x08\x01" + struct.pack(">I", 1) + b"\x00"
    with pytest.raises(DatasetError, match=r"weird\.idx.*magic number 0x12340801"):
        parse_idx(data, name="weird.idx")


def test_unknown_type_code_is_rejected() -> None:
    data = b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00"
    with pytest.raises(DatasetError, match="magic number 0x00000701"):
        parse_idx(data, name="f")


def test_wrong_dimensionality_is_rejected() -> None:
    data = idx_bytes(np.zeros((2, 2), dtype=np.uint8), 0x08)
    with pytest.raises(DatasetError, match="expected a 3-dimensional IDX file, header says 2"):
        parse_idx(data, name="f", expected_ndim=3)


def test_truncated_data_is_rejected() -> None:
    data = idx_bytes(np.zeros((5, 2, 2), dtype=np.uint8), 0x08)
    with pytest.raises(DatasetError, match=r"cut\.idx: truncated.*\(5, 2, 2\) \(20 data bytes\)"):
        parse_idx(data[:-3], name="cut.idx")
    with pytest.raises(DatasetError, match="truncated IDX header"):
        parse_idx(data[:9], name="cut.idx")
    with pytest.raises(DatasetError, match="too short"):
        parse_idx(data[:2], name="cut.idx")


def test_trailing_bytes_are_rejected() -> None:
    data = idx_bytes(np.zeros(4, dtype=np.uint8), 0x08) + b"\x00\x00"
    with pytest.raises(DatasetError, match="2 unexpected trailing bytes"):
        parse_idx(data, name="long.idx")


def test_missing_and_broken_gzip_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"missing: .*nothing-here\.gz"):
        read_idx(tmp_path / "nothing-here.gz")
    good = gzip.compress(idx_bytes(np.zeros(100, dtype=np.uint8), 0x08))
    broken = tmp_path / "broken.gz"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(DatasetError, match=r"broken\.gz is not a valid gzip file"):
        read_idx(broken)
