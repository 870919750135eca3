"""Readers for user data files: CSV, NPZ and MNIST's IDX format.

Each returns a :class:`Table`: features as rows ``X`` ``(m, n[0])`` of float64, the raw target
column ``y`` (numbers, or strings for class names in a CSV), and the feature names. Every
problem is a :class:`~chainrule.errors.DataError` naming the file and, where there is one, the
column and row.
"""

from __future__ import annotations

import csv
import gzip
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chainrule.errors import DataError

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Table:
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str


def read_table(path: str | Path, target: str | None = None, require_target: bool = True) -> Table:
    """Read ``path`` by its extension: ``.csv``, ``.npz``, or an IDX file (``-idx3-ubyte``).

    With ``require_target=False`` a file without the target (a CSV without that column, an
    NPZ without ``y``, images without a labels file) is read as features only, ``y`` empty.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return read_csv(path, target, require_target)
    if name.endswith(".npz"):
        return read_npz(path, require_target)
    if "idx" in name:
        return read_idx_pair(path, target, require_target)
    raise DataError(f"{path}: unknown data format; use .csv, .npz or MNIST IDX files")


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def read_csv(path: str | Path, target: str | None = None, require_target: bool = True) -> Table:
    """A CSV with a header row; ``target`` names the label column (default: the last).

    Feature cells must be numbers; the target column may hold numbers or class names.
    """
    path = Path(path)
    try:
        with _open_text(path) as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text CSV file (it is not UTF-8)") from None
    except (OSError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read as CSV ({exc})") from None
    rows = [row for row in rows if row]  # blank lines carry nothing
    if not rows:
        raise DataError(f"{path}: the file is empty")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if len(header) < 2:
        raise DataError(f"{path}: needs a header row with at least one feature and a target column")
    if not body:
        raise DataError(f"{path}: has a header but no data rows")
    if len(set(header)) != len(header):
        raise DataError(f"{path}: the header repeats a column name")
    target_name = header[-1] if target is None else target
    if target_name not in header and not require_target:
        X = np.empty((len(body), len(header)))
        for number, row in enumerate(body, start=2):
            if len(row) != len(header):
                raise DataError(
                    f"{path}: line {number} has {len(row)} fields but the header has {len(header)}"
                )
        for i, name in enumerate(header):
            X[:, i] = _numeric_column(path, name, [row[i] for row in body])
        return Table(X, np.array([]), header, target_name)
    if target_name not in header:
        raise DataError(
            f"{path}: no column named {target_name!r}; the columns are: {', '.join(header)}"
        )
    target_index = header.index(target_name)
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {number} has {len(row)} fields but the header has {len(header)}"
            )
    feature_index = [i for i in range(len(header)) if i != target_index]
    X = np.empty((len(body), len(feature_index)))
    for column, i in enumerate(feature_index):
        X[:, column] = _numeric_column(path, header[i], [row[i] for row in body])
    raw_target = [row[target_index].strip() for row in body]
    for number, value in enumerate(raw_target, start=2):
        if value == "":
            raise DataError(f"{path}: column {target_name!r}, line {number}: missing value")
    try:
        y: np.ndarray = np.array([float(v) for v in raw_target])
    except ValueError:
        y = np.array(raw_target)  # class names
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        row = int(np.argmin(np.isfinite(y))) + 2
        raise DataError(f"{path}: column {target_name!r}, line {row}: value is not finite")
    return Table(X, y, [header[i] for i in feature_index], target_name)


def _numeric_column(path: Path, name: str, cells: list[str]) -> np.ndarray:
    values = np.empty(len(cells))
    for row, cell in enumerate(cells):
        text = cell.strip()
        if text == "":
            raise DataError(f"{path}: column {name!r}, line {row + 2}: missing value")
        try:
            values[row] = float(text)
        except ValueError:
            raise DataError(
                f"{path}: column {name!r}, line {row + 2}: {text!r} is not a number"
            ) from None
        if not math.isfinite(values[row]):
            raise DataError(f"{path}: column {name!r}, line {row + 2}: {text!r} is not finite")
    return values


def read_npz(path: str | Path, require_target: bool = True) -> Table:
    """An ``.npz`` archive holding ``X`` ``(m, n)`` and ``y`` ``(m,)``."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            needed = ("X", "y") if require_target else ("X",)
            missing = [key for key in needed if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path}: an NPZ data file needs arrays 'X' and 'y'; missing "
                    f"{', '.join(missing)} (it has: {', '.join(archive.files) or 'nothing'})"
                )
            X = archive["X"]
            y = archive["y"] if "y" in archive.files else np.array([])
    except DataError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: cannot read as NPZ ({exc})") from None
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: 'X' must hold numbers, not {X.dtype}")
    if X.ndim != 2:
        raise DataError(f"{path}: 'X' must be 2-D (samples, features), got shape {X.shape}")
    if y.size and (y.ndim != 1 or len(y) != len(X)):
        raise DataError(
            f"{path}: 'y' must be 1-D with one label per row of X ({len(X)}), got {y.shape}"
        )
    if not np.isfinite(X).all():
        row, column = (int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise DataError(f"{path}: 'X' has a non-finite value at row {row}, column {column}")
    names = [f"x{i}" for i in range(X.shape[1])]
    return Table(X.astype(np.float64), y, names, "y")


def read_idx(path: str | Path) -> np.ndarray:
    """One IDX file (MNIST's format), gzip-compressed or not, as an array."""
    path = Path(path)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    dtype, ndim = np.dtype(IDX_TYPES[data[2]]), data[3]
    if ndim == 0 or len(data) < 4 + 4 * ndim:
        raise DataError(f"{path}: IDX header is truncated")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    expected = math.prod(shape) * dtype.itemsize
    body = data[4 + 4 * ndim :]
    if len(body) != expected:
        raise DataError(
            f"{path}: the IDX header promises {expected} bytes of data for shape {shape} "
            f"but the file holds {len(body)}"
        )
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx_pair(
    path: str | Path, labels: str | None = None, require_target: bool = True
) -> Table:
    """MNIST images (``*-images-idx3-ubyte``) and their labels file.

    The labels file is ``labels`` if given, else the images file's name with ``images`` and
    ``idx3`` replaced by ``labels`` and ``idx1`` (``train-labels-idx1-ubyte``).
    """
    path = Path(path)
    images = read_idx(path)
    if labels is None:
        guess = path.name.replace("images", "labels").replace("idx3", "idx1")
        labels_path = path.with_name(guess)
        if guess == path.name and require_target:
            raise DataError(f"{path}: cannot tell the labels file; name it with --target")
    else:
        labels_path = Path(labels)
    X = images.reshape(len(images), -1).astype(np.float64)
    names = [f"pixel{i}" for i in range(X.shape[1])]
    if not labels_path.exists():
        if not require_target:
            return Table(X, np.array([]), names, "label")
        raise DataError(f"{labels_path}: no such labels file (for the images in {path})")
    y = read_idx(labels_path)
    if y.ndim != 1 or len(y) != len(images):
        raise DataError(f"{labels_path}: holds {y.shape} labels for {len(images)} images in {path}")
    return Table(X, y, names, "label")
