"""Readers for user data files: CSV, NPZ and MNIST's IDX format.

Each returns a :class:`Table`: features as rows ``X`` ``(m, n[0])`` in the float dtype asked
for (float64 by default), the raw target column ``y`` (numbers, or strings for class names in
a CSV), and the feature names. Every problem is a :class:`~chainrule.errors.DataError` naming
the file and, where there is one, the column and row.

Data-parallel training reads a shard: ``select`` maps the number of data rows in the file to
the range of rows this process keeps, and only those rows are parsed (CSV) or read from disk
(NPZ, IDX); the table records which rows it holds and how many the file has.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import math
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.core.validation import check_memory, format_bytes
from chainrule.errors import DataError, listed, plural

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Table:
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    rows: range | None = None  # which rows of the file these are (None: all of them)
    total: int | None = None  # how many data rows the file has
    named: bool = False  # the feature names come from the file (a CSV header), not made up


Select = Callable[[int], range]


def read_table(
    path: str | Path,
    target: str | None = None,
    require_target: bool = True,
    select: Select | None = None,
    dtype: Any = np.float64,
) -> Table:
    """Read ``path`` by its extension: ``.csv``, ``.npz``, or an IDX file (``-idx3-ubyte``),
    with the features as a ``dtype`` array.

    With ``require_target=False`` a file without the target (a CSV without that column, an
    NPZ without ``y``, images without a labels file) is read as features only, ``y`` empty.
    With ``select``, only the rows ``select(number of rows)`` are read.
    """
    path = Path(path)
    refuse_special_file(path, DataError, "data file")
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file")
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return read_csv(path, target, require_target, select, dtype)
    if name.endswith(".npz"):
        return read_npz(path, require_target, select, dtype)
    if "idx" in name:
        return read_idx_pair(path, target, require_target, select, dtype)
    raise DataError(f"{path}: unknown data format; use .csv, .npz or MNIST IDX files")


def refuse_special_file(path: Path, error: type[Exception], what: str) -> None:
    """Refuse, before opening it, a path that exists but is neither a regular file nor a
    folder: a FIFO or a device would block the reader or never end."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # missing or unreadable: the reader says which
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise error(f"{path}: is not a regular file (a FIFO, socket or device); give a {what}")


def _open_text(path: Path):
    # utf-8-sig: a byte-order mark (Excel writes one) is not part of the first column's name
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _is_blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _csv_rows(path: Path, select: Select | None) -> tuple[list[list[str]], list[int], range, int]:
    """The header and the selected data rows (blank lines skipped), the line number of each
    of those rows, their range and the number of data rows in the file. Selecting scans the
    file twice and keeps only the selected rows."""
    try:
        if select is None:
            rows, lines = [], []
            with _open_text(path) as handle:
                reader = csv.reader(handle)
                for row in reader:
                    if not _is_blank(row):
                        rows.append(row)
                        lines.append(reader.line_num)
            return rows, lines, range(max(len(rows) - 1, 0)), max(len(rows) - 1, 0)
        with _open_text(path) as handle:
            total = max(sum(1 for row in csv.reader(handle) if not _is_blank(row)) - 1, 0)
        chosen = select(total)
        kept: list[list[str]] = []
        kept_lines: list[int] = []
        with _open_text(path) as handle:
            index = -1  # the header
            reader = csv.reader(handle)
            for row in reader:
                if _is_blank(row):
                    continue
                if index < 0 or index in chosen:
                    kept.append(row)
                    kept_lines.append(reader.line_num)
                index += 1
                if index >= chosen.stop:
                    break
        return kept, kept_lines, chosen, total
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text CSV file (it is not UTF-8)") from None
    except (OSError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read as CSV ({exc})") from None


def _check_header(path: Path, header: list[str]) -> None:
    """Refuse a header row that is not one: an unnamed column, or cells that are all numbers
    (a file without a header would otherwise lose its first row to the column names)."""
    for number, name in enumerate(header, start=1):
        if not name:
            raise DataError(
                f"{path}: column {number} has no name in the header row (pandas writes its "
                "index so: save with index=False, or name the column)"
            )
    if all(_is_number(name) for name in header):
        raise DataError(
            f"{path}: the first row ({listed(header, most=4)}) "
            "holds only numbers: the file has no header row. Add one that names the columns"
        )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _NotForNumPy(Exception):
    """The file is not one NumPy's parser reads as it stands: let the line reader say why."""


def read_csv(
    path: str | Path,
    target: str | None = None,
    require_target: bool = True,
    select: Select | None = None,
    dtype: Any = np.float64,
) -> Table:
    """A CSV with a header row; ``target`` names the label column (default: the last).

    Feature cells must be numbers; the target column may hold numbers or class names. The
    file is parsed by NumPy's C parser (``numpy.loadtxt``) straight into a ``dtype`` array, in
    one pass; a file it declines (a missing, non-numeric or non-finite cell, a ragged row) is
    read again line by line, only to name the problem: file, column, line and value.
    """
    path = Path(path)
    try:
        return _read_csv_with_numpy(path, target, require_target, select, dtype)
    except _NotForNumPy:
        table = _read_csv_by_line(path, target, require_target, select)
    return replace(table, X=table.X.astype(dtype, copy=False))


def _csv_layout(path: Path, select: Select | None) -> tuple[list[str], int, range | None, int]:
    """``(header, lines to skip before the first row read, rows chosen, total data rows)``.

    With ``select``, the file's lines are scanned once (blank lines are not data rows) to
    find where the chosen rows start; without, only the header is read, and the rows chosen
    and their total are ``None`` and 0 (the parse tells them)."""
    with _open_text(path) as handle:
        header_line, header_text = -1, ""
        for number, line in enumerate(handle):
            if line.strip():
                header_line, header_text = number, line
                break
        if header_line < 0:
            raise _NotForNumPy
        header = [h.strip() for h in next(csv.reader([header_text]))]
        if select is None:
            return header, header_line + 1, None, 0
        starts = []  # the raw line index of each data row
        for number, line in enumerate(handle, start=header_line + 1):
            if line.strip():
                starts.append(number)
    chosen = select(len(starts))
    if not starts or not len(chosen):
        raise _NotForNumPy
    return header, starts[chosen.start], chosen, len(starts)


def _read_csv_with_numpy(
    path: Path, target: str | None, require_target: bool, select: Select | None, dtype: Any
) -> Table:
    try:
        header, skip, chosen, total = _csv_layout(path, select)
    except (UnicodeDecodeError, OSError, csv.Error, StopIteration):
        raise _NotForNumPy from None
    _check_header(path, header)
    if len(header) < 2 or len(set(header)) != len(header):
        raise _NotForNumPy
    target_name = header[-1] if target is None else target
    if target_name not in header and require_target:
        raise _NotForNumPy
    target_index = header.index(target_name) if target_name in header else None
    labels: dict[str, int] = {}

    def code_of(cell: str) -> float:
        text = cell.strip()
        if not text:
            raise ValueError("missing value")
        return labels.setdefault(text, len(labels))

    converters = {} if target_index is None else {target_index: code_of}
    max_rows = None if chosen is None else len(chosen)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "empty input" and the like: the line reader says
            table = np.loadtxt(
                path, delimiter=",", skiprows=skip, max_rows=max_rows,
                dtype=dtype, converters=converters, quotechar='"', ndmin=2, encoding="utf-8-sig",
            )  # fmt: skip
    except (ValueError, UnicodeDecodeError, UserWarning, OSError, EOFError) as exc:
        # NumPy reports anything a converter raises as a ValueError, a signal's exception
        # (Ctrl-C, SIGTERM) included: that one is not the file's fault, and must go on
        stopped = exc.__cause__ or exc.__context__
        if isinstance(stopped, (KeyboardInterrupt, SystemExit)):
            raise stopped from None
        raise _NotForNumPy from None
    if table.shape[1] != len(header) or not len(table):
        raise _NotForNumPy
    if chosen is None:
        chosen, total = range(len(table)), len(table)
    if target_index is None:
        X, y, names = table, np.array([]), header
    else:
        X = table[:, :-1] if target_index == len(header) - 1 else np.delete(table, target_index, 1)
        names = [h for i, h in enumerate(header) if i != target_index]
        values = _labels(list(labels))
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            raise _NotForNumPy
        y = values[table[:, target_index].astype(np.intp)]
    if not np.isfinite(X.sum()) and not np.isfinite(X).all():
        raise _NotForNumPy
    return Table(X, y, names, target_name, chosen, total, named=True)


def _read_csv_by_line(
    path: Path, target: str | None, require_target: bool, select: Select | None
) -> Table:
    """The line-by-line reader: slower and hungrier, but it names the cell that is wrong."""
    rows, lines, chosen, total = _csv_rows(path, select)
    if not rows:
        raise DataError(f"{path}: the file is empty")
    header, body, lines = [h.strip() for h in rows[0]], rows[1:], lines[1:]
    _check_header(path, header)
    if len(header) < 2:
        raise DataError(f"{path}: needs a header row with at least one feature and a target column")
    if not total:
        raise DataError(f"{path}: has a header but no data rows")
    if len(set(header)) != len(header):
        raise DataError(f"{path}: the header repeats a column name")
    target_name = header[-1] if target is None else target
    if target_name not in header and not require_target:
        X = np.empty((len(body), len(header)))
        for number, row in zip(lines, body, strict=True):
            if len(row) != len(header):
                raise DataError(
                    f"{path}: line {number} has {plural(len(row), 'field')} but the header has "
                    f"{len(header)}"
                )
        for i, name in enumerate(header):
            X[:, i] = _numeric_column(path, name, [row[i] for row in body], lines)
        return Table(X, np.array([]), header, target_name, chosen, total, named=True)
    if target_name not in header:
        close = difflib.get_close_matches(target_name, header, n=1)
        guess = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(
            f"{path}: no column named {target_name!r}{guess}; the columns are: {listed(header)}"
        )
    target_index = header.index(target_name)
    for number, row in zip(lines, body, strict=True):
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {number} has {plural(len(row), 'field')} but the header has "
                f"{len(header)}"
            )
    feature_index = [i for i in range(len(header)) if i != target_index]
    X = np.empty((len(body), len(feature_index)))
    for column, i in enumerate(feature_index):
        X[:, column] = _numeric_column(path, header[i], [row[i] for row in body], lines)
    raw_target = [row[target_index].strip() for row in body]
    for number, value in zip(lines, raw_target, strict=True):
        if value == "":
            raise DataError(f"{path}: column {target_name!r}, line {number}: missing value")
    y = _labels(raw_target)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        row = lines[int(np.argmin(np.isfinite(y)))]
        raise DataError(f"{path}: column {target_name!r}, line {row}: value is not finite")
    names = [header[i] for i in feature_index]
    return Table(X, y, names, target_name, chosen, total, named=True)


def _labels(cells: list[str]) -> np.ndarray:
    """A target column as integers if every cell is one (``0, 1, 2``: class labels that must
    come back as written), else as reals, else as strings (class names)."""
    for parse in (int, float):
        try:
            return np.array([parse(cell) for cell in cells])
        except ValueError:
            continue
    return np.array(cells)


def _numeric_column(path: Path, name: str, cells: list[str], lines: list[int]) -> np.ndarray:
    """The cells as numbers; ``lines[i]`` is the line number of ``cells[i]`` in the file."""
    values = np.empty(len(cells))
    for row, (cell, line) in enumerate(zip(cells, lines, strict=True)):
        text = cell.strip()
        if text == "":
            raise DataError(f"{path}: column {name!r}, line {line}: missing value")
        try:
            values[row] = float(text)
        except ValueError:
            raise DataError(
                f"{path}: column {name!r}, line {line}: {text!r} is not a number"
            ) from None
        if not math.isfinite(values[row]):
            raise DataError(f"{path}: column {name!r}, line {line}: {text!r} is not finite")
    return values


def read_npz(
    path: str | Path,
    require_target: bool = True,
    select: Select | None = None,
    dtype: Any = np.float64,
) -> Table:
    """An ``.npz`` archive holding ``X`` ``(m, n)`` and ``y`` ``(m,)``.

    With ``select``, only the selected rows of ``X`` are read from the archive (when ``X`` is
    stored in C order, as ``np.savez`` writes it).
    """
    path = Path(path)
    try:
        _check_npz_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            needed = ("X", "y") if require_target else ("X",)
            missing = [key for key in needed if key not in archive.files]
            if missing:
                raise DataError(
                    f"{path}: an NPZ data file needs arrays 'X' and 'y'; missing "
                    f"{', '.join(missing)} (it has: {listed(archive.files) or 'nothing'})"
                )
            X, chosen = _npz_rows(path, select) if select else (archive["X"], None)
            y = archive["y"] if "y" in archive.files else np.array([])
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: cannot read as NPZ ({exc})") from None
    total = len(X) if chosen is None else chosen[1]
    if X.dtype.kind not in "biuf":
        raise DataError(f"{path}: 'X' must hold numbers, not {X.dtype}")
    if X.ndim != 2:
        raise DataError(f"{path}: 'X' must be 2-D (samples, features), got shape {X.shape}")
    if y.size and (y.ndim != 1 or len(y) != total):
        raise DataError(
            f"{path}: 'y' must be 1-D with one label per row of X ({total}), got {y.shape}"
        )
    rows = range(total) if chosen is None else chosen[0]
    if y.size:
        y = y[rows.start : rows.stop]
    if X.dtype.kind == "f" and not np.isfinite(X.sum()) and not np.isfinite(X).all():
        row, column = (int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise DataError(
            f"{path}: 'X' has a non-finite value at row {row + rows.start}, column {column}"
        )
    names = [f"x{i}" for i in range(X.shape[1])]
    return Table(X.astype(dtype, copy=False), y, names, "y", rows, total)


# deflate expands at most about 1032:1; np.savez writes stored members, savez_compressed deflate
MAX_EXPANSION = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: 1032}


def read_npy_header(member: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` from the ``.npy`` header at the start of ``member``,
    leaving it positioned at the data: what an array claims, read before it is allocated."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(member)
    return np.lib.format.read_array_header_2_0(member)


def _check_npz_sizes(path: Path) -> None:
    """Refuse an archive whose ``X`` or ``y`` declares more data than the file can hold (or
    than memory can take), before anything of that size is allocated."""
    size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        for name in ("X", "y"):
            try:
                info = archive.getinfo(f"{name}.npy")
            except KeyError:
                continue
            with archive.open(info) as member:
                shape, _, dtype = read_npy_header(member)
            nbytes = math.prod(shape) * dtype.itemsize
            stored = min(info.compress_size, size)
            holds = stored * MAX_EXPANSION.get(info.compress_type, 1 << 20)
            if nbytes > holds:
                raise DataError(
                    f"{path}: {name!r} declares shape {shape} of {dtype} ({format_bytes(nbytes)}) "
                    f"but the file ({format_bytes(size)}) cannot hold it; it is corrupted"
                )
            check_memory(nbytes, f"{path}: {name!r} of shape {shape}", DataError)


def _npz_rows(path: Path, select: Select) -> tuple[np.ndarray, tuple[range, int]]:
    """The selected rows of ``X`` in an NPZ archive, read by seeking in its ``X.npy``."""
    with zipfile.ZipFile(path) as archive, archive.open("X.npy") as member:
        shape, fortran_order, dtype = read_npy_header(member)
        if len(shape) != 2 or fortran_order or dtype.hasobject:
            member.seek(0)
            X = np.lib.format.read_array(member, allow_pickle=False)
            if X.ndim != 2:
                return X, (range(0), 0)  # refused by the shape check
            chosen = select(len(X))
            return X[chosen.start : chosen.stop], (chosen, len(X))
        chosen = select(shape[0])
        row_bytes = shape[1] * dtype.itemsize
        member.seek(member.tell() + chosen.start * row_bytes)
        data = member.read(len(chosen) * row_bytes)
        if len(data) != len(chosen) * row_bytes:
            raise DataError(f"{path}: 'X' is truncated")
        X = np.frombuffer(data, dtype=dtype).reshape(len(chosen), shape[1])
        return X.astype(dtype.newbyteorder("=")), (chosen, shape[0])


def read_idx(path: str | Path, select: Select | None = None) -> np.ndarray:
    """One IDX file (MNIST's format), gzip-compressed or not, as an array.

    With ``select``, only the items ``select(number of items)`` along the first axis are read:
    the reader seeks past the others (a gzip file is decompressed up to them as a stream,
    never held whole).
    """
    return _read_idx(Path(path), select)[0]


def _read_idx(path: Path, select: Select | None) -> tuple[np.ndarray, int]:
    """The (selected items of the) array in an IDX file, and its number of items."""
    compressed = path.name.lower().endswith(".gz")
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as handle:
            magic = handle.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_TYPES:
                raise DataError(f"{path}: not an IDX file (bad magic number)")
            dtype, ndim = np.dtype(IDX_TYPES[magic[2]]), magic[3]
            dims = handle.read(4 * ndim)
            if ndim == 0 or len(dims) < 4 * ndim:
                raise DataError(f"{path}: IDX header is truncated")
            shape = struct.unpack(f">{ndim}I", dims)
            item_bytes = math.prod(shape[1:]) * dtype.itemsize
            expected = shape[0] * item_bytes
            if not compressed and expected != path.stat().st_size - 4 - 4 * ndim:
                raise DataError(
                    f"{path}: the IDX header promises {expected} bytes of data for shape "
                    f"{shape} but the file holds {path.stat().st_size - 4 - 4 * ndim}"
                )
            chosen = range(shape[0]) if select is None else select(shape[0])
            check_memory(len(chosen) * item_bytes, f"{path}: the IDX data {shape}", DataError)
            if chosen.start:
                handle.seek(4 + 4 * ndim + chosen.start * item_bytes)
            body = _read_at_most(handle, len(chosen) * item_bytes)
            rest = len(handle.read(1)) if chosen.stop == shape[0] else 0
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(body) != len(chosen) * item_bytes or rest:
        expected = math.prod(shape) * dtype.itemsize
        raise DataError(
            f"{path}: the IDX header promises {expected} bytes of data for shape {shape} "
            "but the file holds "
            + ("more" if rest else f"less ({chosen.start * item_bytes + len(body)} bytes)")
        )
    array = np.frombuffer(body, dtype=dtype).reshape(len(chosen), *shape[1:])
    return array.astype(dtype.newbyteorder("=")), shape[0]


def _read_at_most(handle: Any, n: int, chunk: int = 1 << 24) -> bytes:
    """Up to ``n`` bytes, read a chunk at a time: a header that promises more data than the
    (compressed) file holds costs only what the file has, never an allocation of ``n``."""
    parts, left = [], n
    while left > 0:
        part = handle.read(min(chunk, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_idx_pair(
    path: str | Path,
    labels: str | None = None,
    require_target: bool = True,
    select: Select | None = None,
    dtype: Any = np.float64,
) -> Table:
    """MNIST images (``*-images-idx3-ubyte``) and their labels file.

    With ``select`` only the selected images and labels are read.

    The labels file is ``labels`` if given, else the images file's name with ``images`` and
    ``idx3`` replaced by ``labels`` and ``idx1`` (``train-labels-idx1-ubyte``).
    """
    path = Path(path)
    images, total = _read_idx(path, select)
    if labels is None:
        guess = path.name.replace("images", "labels").replace("idx3", "idx1")
        labels_path = path.with_name(guess)
        if guess == path.name and require_target:
            raise DataError(f"{path}: cannot tell the labels file; name it with --target")
    else:
        labels_path = Path(labels)
    chosen = range(total) if select is None else select(total)
    X = images.reshape(len(chosen), -1).astype(dtype)
    names = [f"pixel{i}" for i in range(X.shape[1])]
    if not labels_path.exists():
        if not require_target:
            return Table(X, np.array([]), names, "label", chosen, total)
        raise DataError(f"{labels_path}: no such labels file (for the images in {path})")
    refuse_special_file(labels_path, DataError, "labels file")
    y, n_labels = _read_idx(labels_path, select and (lambda m: chosen))
    if y.ndim != 1 or n_labels != total:
        raise DataError(
            f"{labels_path}: holds {n_labels} labels of shape {y.shape[1:]} for {total} images "
            f"in {path}"
        )
    return Table(X, y, names, "label", chosen, total)
