"""MNIST (bundled with the package) and Fashion-MNIST (or any directory of the four IDX files).

Loading mirrors the book's ``load_mnist(normalize, flatten, one_hot_label)``.  The decoded
uint8 arrays are cached per process (keyed by the files' path, size and mtime) so the server
pays for decompression once; each call then builds fresh float arrays the caller may modify.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

from .idx import DatasetError, parse_idx, read_idx_bytes

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DIR",
    "IDX_FILES",
    "MNIST_CLASSES",
    "MNIST_DIR",
    "MNIST_SHA256",
    "Split",
    "fashion_mnist_available",
    "find_idx_file",
    "idx_dir_available",
    "load_fashion_mnist",
    "load_idx_dir",
    "load_mnist",
]

MNIST_DIR = Path(__file__).resolve().parent / "mnist"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist

# Role -> standard file stem; the same four names serve MNIST and Fashion-MNIST.
IDX_FILES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# SHA-256 of the *decompressed* files, as published with the MNIST mirror; hashing the
# decompressed bytes costs ~0.03 s on top of ~0.2 s of gunzip, so we verify what matters.
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

MNIST_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def find_idx_file(directory: str | Path, stem: str) -> Path:
    """``stem`` or ``stem.gz`` inside ``directory``; a DatasetError names what is missing."""
    directory = Path(directory)
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    raise DatasetError(f"dataset file is missing: {directory / stem}[.gz]")


def idx_dir_available(directory: str | Path) -> bool:
    """True when all four standard IDX files are present (no content check)."""
    try:
        for stem in IDX_FILES.values():
            find_idx_file(directory, stem)
    except DatasetError:
        return False
    return True


def fashion_mnist_available(path: str | Path = FASHION_MNIST_DIR) -> bool:
    return idx_dir_available(path)


def _read_checked(path: Path, expected_ndim: int, sha256: str | None) -> np.ndarray:
    data = read_idx_bytes(path)
    if sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise DatasetError(
                f"dataset file {path} is corrupt: SHA-256 mismatch (of the decompressed "
                f"bytes), expected {sha256} got {got}"
            )
    return parse_idx(data, name=str(path), expected_ndim=expected_ndim)


def _check_pair(
    images: np.ndarray, labels: np.ndarray, images_path: Path, labels_path: Path
) -> None:
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels"
        )


@functools.lru_cache(maxsize=4)
def _load_raw(
    directory: str, stat_key: tuple[tuple[str, int, int], ...], verify: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decoded read-only uint8 arrays (train x, train y, test x, test y).

    ``stat_key`` (path, size, mtime per file) is only part of the cache key: a file replaced
    on disk is read again instead of being served stale.
    """
    paths = {role: Path(p) for role, (p, _, _) in zip(IDX_FILES, stat_key, strict=True)}
    arrays = {}
    for role, path in paths.items():
        stem = IDX_FILES[role]
        sha = MNIST_SHA256[stem] if verify else None
        arrays[role] = _read_checked(path, 3 if role.endswith("images") else 1, sha)
    _check_pair(
        arrays["train_images"], arrays["train_labels"], paths["train_images"], paths["train_labels"]
    )
    _check_pair(
        arrays["test_images"], arrays["test_labels"], paths["test_images"], paths["test_labels"]
    )
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise DatasetError(
            f"{directory}: train images are {arrays['train_images'].shape[1:]} but test images "
            f"are {arrays['test_images'].shape[1:]}"
        )
    return (
        arrays["train_images"],
        arrays["train_labels"],
        arrays["test_images"],
        arrays["test_labels"],
    )


def _raw(directory: str | Path, verify: bool) -> tuple[np.ndarray, ...]:
    directory = Path(directory)
    if not directory.is_dir():
        raise DatasetError(f"dataset directory is missing: {directory}")
    stat_key = []
    for stem in IDX_FILES.values():
        path = find_idx_file(directory, stem)
        st = path.stat()
        stat_key.append((str(path.resolve()), st.st_size, st.st_mtime_ns))
    return _load_raw(str(directory.resolve()), tuple(stat_key), verify)


def _prepare(
    images: np.ndarray,
    labels: np.ndarray,
    normalize: bool,
    flatten: bool,
    one_hot: bool,
    dtype: np.dtype,
    num_classes: int,
) -> tuple[np.ndarray, np.ndarray]:
    # Always a fresh, writable array, so the cached uint8 data stays intact.  One divide
    # pass (not astype then scale) halves the memory traffic; 255/255 is exactly 1.0.
    x = np.divide(images, 255, dtype=dtype) if normalize else images.astype(dtype)
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *images.shape[1:])
    if one_hot:
        y = np.zeros((len(labels), num_classes), dtype=dtype)
        y[np.arange(len(labels)), labels] = 1
    else:
        y = labels.astype(np.int64)
    return x, y


def _check_options(dtype: type | np.dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating type such as float32, got {dt}")
    return dt


def _load(
    directory: str | Path,
    verify: bool,
    normalize: bool,
    flatten: bool,
    one_hot: bool,
    dtype: type | np.dtype,
    num_classes: int,
) -> Split:
    dt = _check_options(dtype)
    x_tr, y_tr, x_te, y_te = _raw(directory, verify)
    for labels, name in ((y_tr, "train"), (y_te, "test")):
        if labels.size and int(labels.max()) >= num_classes:
            raise DatasetError(
                f"{directory}: {name} label {int(labels.max())} is out of range for "
                f"{num_classes} classes"
            )
    train = _prepare(x_tr, y_tr, normalize, flatten, one_hot, dt, num_classes)
    test = _prepare(x_te, y_te, normalize, flatten, one_hot, dt, num_classes)
    return train, test


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    dtype: type | np.dtype = np.float32,
    path: str | Path | None = None,
) -> Split:
    """MNIST as ((x_train, y_train), (x_test, y_test)), SHA-256 checked.

    Images are (N, 784) when ``flatten`` else (N, 1, 28, 28), scaled to [0, 1] when
    ``normalize`` (else 0..255 in ``dtype``).  Labels are int64 class ids, or one-hot rows
    in ``dtype``.  ``path`` points at another copy of the four files (tests use it).
    """
    return _load(
        MNIST_DIR if path is None else path,
        True,
        normalize,
        flatten,
        one_hot,
        dtype,
        len(MNIST_CLASSES),
    )


def load_idx_dir(
    path: str | Path,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    dtype: type | np.dtype = np.float32,
    num_classes: int = 10,
) -> Split:
    """Any directory with the four standard IDX files (``.gz`` or raw).  No hashes are
    known for arbitrary data, so only the structure (magic, sizes, counts) is validated."""
    return _load(path, False, normalize, flatten, one_hot, dtype, num_classes)


def load_fashion_mnist(
    path: str | Path = FASHION_MNIST_DIR,
    normalize: bool = True,
    flatten: bool = True,
    one_hot: bool = False,
    dtype: type | np.dtype = np.float32,
) -> Split:
    """Fashion-MNIST (Debian's dataset-fashion-mnist by default); same layout as MNIST."""
    if not Path(path).is_dir():
        raise DatasetError(
            f"Fashion-MNIST directory is missing: {path} (on Debian: apt install "
            f"dataset-fashion-mnist, or pass path=)"
        )
    return load_idx_dir(path, normalize, flatten, one_hot, dtype, len(FASHION_MNIST_CLASSES))
