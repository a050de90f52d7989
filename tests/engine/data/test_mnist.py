"""MNIST / Fashion-MNIST loading: known first labels, layout options, and damaged copies."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnplayground.engine.data import (
    DATASETS,
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    MNIST_CLASSES,
    MNIST_DIR,
    DatasetError,
    dataset_info,
    fashion_mnist_available,
    load_fashion_mnist,
    load_idx_dir,
    load_mnist,
)

BOOK_FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the famous first ten training digits


@pytest.fixture(scope="module")
def mnist() -> tuple:
    return load_mnist()


def test_flat_normalized_layout(mnist: tuple) -> None:
    (x, y), (xt, yt) = mnist
    assert x.shape == (60000, 784) and xt.shape == (10000, 784)
    assert x.dtype == np.float32 and xt.dtype == np.float32
    assert y.dtype == np.int64 and y.shape == (60000,) and yt.shape == (10000,)
    assert y[:10].tolist() == BOOK_FIRST_LABELS
    assert yt[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.bincount(y).tolist()[:3] == [5923, 6742, 5958]
    # The top-left pixel is background in every digit; the middle is ink in many.
    assert x[:, 0].max() == 0.0 and x[:, 14 * 28 + 14].mean() > 0.3


def test_image_layout_one_hot_and_raw_scale() -> None:
    (x, y), (xt, yt) = load_mnist(normalize=False, flatten=False, one_hot=True,
                                  dtype=np.float64)
    assert x.shape == (60000, 1, 28, 28) and x.dtype == np.float64
    assert x.max() == 255.0
    assert y.shape == (60000, 10) and y.dtype == np.float64
    assert y.sum(axis=1).tolist() == [1.0] * 60000
    assert y[:10].argmax(axis=1).tolist() == BOOK_FIRST_LABELS
    assert xt.shape == (10000, 1, 28, 28) and yt.shape == (10000, 10)


def test_results_are_fresh_arrays() -> None:
    (x, _), _ = load_mnist()
    x[0] = 7.0  # callers may scale or centre in place without poisoning the cache
    (x2, _), _ = load_mnist()
    assert x2[0].max() == 1.0


def test_integer_dtype_is_refused() -> None:
    with pytest.raises(ValueError, match="dtype must be a floating type.*int32"):
        load_mnist(dtype=np.int32)


@pytest.fixture
def mnist_copy(tmp_path: Path) -> Path:
    for f in MNIST_DIR.glob("*.gz"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_a_good_copy_loads_from_a_path(mnist_copy: Path) -> None:
    (_, y), _ = load_mnist(path=mnist_copy)
    assert y[:10].tolist() == BOOK_FIRST_LABELS


def test_flipped_byte_fails_the_hash_and_names_the_file(mnist_copy: Path) -> None:
    # Re-compress a label file with one label changed: valid gzip and valid IDX, so only
    # the SHA-256 check can notice.
    target = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(target.read_bytes()))
    data[100] = (data[100] + 1) % 10
    target.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(DatasetError) as info:
        load_mnist(path=mnist_copy)
    message = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "SHA-256 mismatch" in message
    assert "expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2" in message


def test_truncated_file_names_the_file(mnist_copy: Path) -> None:
    target = mnist_copy / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:1000])
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte\.gz is not a valid gzip"):
        load_mnist(path=mnist_copy)


def test_missing_file_names_the_file(mnist_copy: Path) -> None:
    (mnist_copy / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match=r"missing: .*t10k-images-idx3-ubyte\[\.gz\]"):
        load_mnist(path=mnist_copy)
    with pytest.raises(DatasetError, match="directory is missing"):
        load_mnist(path=mnist_copy / "nope")


def test_idx_dir_accepts_raw_files_and_checks_counts(tmp_path: Path) -> None:
    # A small raw (uncompressed) IDX directory: 3 train and 2 test images of 2x2.
    def write(name: str, magic: int, shape: tuple[int, ...], values: list[int]) -> None:
        header = magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in shape)
        (tmp_path / name).write_bytes(header + bytes(values))

    write("train-images-idx3-ubyte", 2051, (3, 2, 2), [0, 255] * 6)
    write("train-labels-idx1-ubyte", 2049, (3,), [1, 2, 3])
    write("t10k-images-idx3-ubyte", 2051, (2, 2, 2), [255] * 8)
    write("t10k-labels-idx1-ubyte", 2049, (2,), [0, 9])
    (x, y), (xt, yt) = load_idx_dir(tmp_path, flatten=False)
    assert x.shape == (3, 1, 2, 2) and xt.shape == (2, 1, 2, 2)
    assert x[0, 0].tolist() == [[0.0, 1.0], [0.0, 1.0]]
    assert y.tolist() == [1, 2, 3] and yt.tolist() == [0, 9]

    write("t10k-labels-idx1-ubyte", 2049, (3,), [0, 9, 9])
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte holds 2 images but .* 3"):
        load_idx_dir(tmp_path)


@pytest.mark.skipif(not fashion_mnist_available(),
                    reason=f"Fashion-MNIST not installed at {FASHION_MNIST_DIR} "
                           "(apt install dataset-fashion-mnist)")
def test_fashion_mnist_loads() -> None:
    (x, y), (xt, yt) = load_fashion_mnist(flatten=False)
    assert x.shape == (60000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() == 1.0
    assert y[:5].tolist() == [9, 0, 0, 3, 0]  # ankle boot, T-shirt, T-shirt, dress, T-shirt
    assert np.bincount(y).tolist() == [6000] * 10
    assert FASHION_MNIST_CLASSES[y[0]] == "Ankle boot"


def test_missing_fashion_directory_is_explained(tmp_path: Path) -> None:
    assert not fashion_mnist_available(tmp_path)
    with pytest.raises(DatasetError, match="Fashion-MNIST directory is missing"):
        load_fashion_mnist(path=tmp_path / "absent")


def test_dataset_table() -> None:
    assert list(DATASETS)[:2] == ["mnist", "fashion_mnist"]
    mnist_info = DATASETS["mnist"].to_dict()
    assert mnist_info["available"] is True
    assert mnist_info["input_shape"] == [1, 28, 28] and mnist_info["classes"] == list(MNIST_CLASSES)
    assert DATASETS["spiral"].to_dict()["input_shape"] == [2]
    assert dataset_info("xor").kind == "toy"
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        dataset_info("cifar")
