"""Model files: one ``.npz`` archive with a JSON header, readable without running code.

Layout (format version 2):

* ``header.npy``: UTF-8 JSON as a ``uint8`` array: ``{"format": "chainrule", "version": 2,
  "kind": "network" | estimator class name, "network": {architecture and hyper-parameters},
  "arrays": {name: {"shape", "dtype"}}, "training": {...} | null, "metadata": {...}}``;
* ``theta.npy``: all parameters, flat, in the layout of :class:`~chainrule.core.Network`;
* optional arrays named in the header (optimiser buffers of a checkpoint, feature scaling,
  the per-epoch history of a run...).

The header holds descriptions only, never per-epoch records, so it stays small however long
a run was; a header that would not fit the reader's limit is refused before anything is
written. Version 2 differs from version 1 in that one respect (version 1 kept the history in
the header's JSON) and in the kind of a file from ``chainrule train`` (``"model"``); files of
version 1 load as before.

The ``training`` dict and the ``metadata`` are plain data that higher layers define (the
trainer's checkpoint state, the command line's data description); this module only stores
them. :func:`load` builds what a file holds through a registry of kinds: ``"network"`` is
built in, and the estimators register their own kinds when their module is imported.

Nothing is unpickled (``allow_pickle=False``). Before any array is read, the sizes the zip
directory and each array's own ``.npy`` header claim are checked against what the JSON header
and the architecture imply, so a damaged or hostile file is rejected before a large
allocation. Writes go to a temporary file in the same folder, are flushed to disk, and then
renamed over the target (:mod:`chainrule.io.atomic`), so an interrupted save never destroys
an existing model.
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.core.network import Network, parameter_count
from chainrule.errors import ChainruleError, ModelFileError
from chainrule.io.atomic import atomic_write
from chainrule.io.readers import read_npy_header, refuse_special_file
from chainrule.io.schema import check_header

FORMAT = "chainrule"
VERSION = 2
#: The largest header a model file may have, in bytes: a larger one is refused unread.
MAX_HEADER_BYTES = 1 << 20
NPY_HEADER_ALLOWANCE = 4096  # the .npy preamble before an array's data
# chainrule writes arrays uncompressed; a compressed member may expand this much, no more
# (trained parameters hardly compress, so a larger ratio is a decompression bomb)
MAX_EXPANSION = 20
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
)


@dataclass
class FileExtras:
    """What a higher layer stores beside a network: the file's ``kind`` (the loader that
    builds it, see :func:`register_kind`), JSON ``metadata`` and named ``arrays``."""

    kind: str = "network"
    metadata: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def write_model_file(
    path: str | PathLike[str], header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> None:
    """Write ``arrays`` and the JSON ``header`` to ``path`` atomically.

    A header the reader would refuse (over :data:`MAX_HEADER_BYTES`), or an array of a kind
    it does not read, is a :class:`ModelFileError` before anything is written, so a save
    never replaces a good file with one that cannot be loaded."""
    path = Path(path)
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf" or a.dtype.hasobject:
            raise ModelFileError(f"{path}: array {name!r} is not a numeric NumPy array")
    header = {
        **header,
        "format": FORMAT,
        "version": VERSION,
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays.items()
        },
    }
    try:
        text = json.dumps(header)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the header cannot be written as JSON ({exc})") from None
    encoded = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if encoded.nbytes + NPY_HEADER_ALLOWANCE > MAX_HEADER_BYTES:
        raise ModelFileError(
            f"{path}: the header would take {encoded.nbytes} bytes, over the "
            f"{MAX_HEADER_BYTES} a model file may have; store long records as arrays"
        )
    atomic_write(path, lambda handle: np.savez(handle, header=encoded, **arrays))


def read_model_file(path: str | PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check a model file; returns ``(header, arrays)``."""
    path = Path(path)
    refuse_special_file(path, ModelFileError, "model file")
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a folder, not a model file") from None
    except READ_ERRORS as exc:
        raise ModelFileError(
            f"{path}: not a chainrule model file (not an .npz archive, or truncated: {exc})"
        ) from None
    with archive:
        try:
            header = _read_header(path, archive)
            arrays = {
                name: _read_array(path, archive, name, spec, header)
                for name, spec in header["arrays"].items()
            }
        except ChainruleError:
            raise
        except READ_ERRORS as exc:
            raise ModelFileError(f"{path}: the model file is corrupted ({exc})") from None
    return header, arrays


def _read_header(path: Path, archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        info = archive.getinfo("header.npy")
    except KeyError:
        raise ModelFileError(f"{path}: not a chainrule model file (no header)") from None
    if info.file_size > MAX_HEADER_BYTES:
        raise ModelFileError(f"{path}: the header claims {info.file_size} bytes; refusing to read")
    _check_expansion(path, info)
    with archive.open(info) as member:
        shape, _, dtype = read_npy_header(member)
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > info.file_size:
        raise ModelFileError(f"{path}: not a chainrule model file (malformed header)")
    with archive.open(info) as member:
        raw = np.lib.format.read_array(member, allow_pickle=False)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path}: not a chainrule model file (malformed header)")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(f"{path}: the model file is corrupted (header is not JSON)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: the model file has an invalid format version {version!r}")
    if version > VERSION:
        raise ModelFileError(
            f"{path}: written by a newer chainrule (format version {version}); this version "
            f"reads format version {VERSION}: upgrade chainrule to load it"
        )
    try:
        check_header(header)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    if "theta" not in header["arrays"]:
        raise ModelFileError(f"{path}: the model file is corrupted (no parameter array)")
    metadata = header.get("metadata")
    if version == 1 and header.get("kind") == "network" and isinstance(metadata, dict):
        if isinstance(metadata.get("cli"), dict):
            header["kind"] = "model"  # version 1 wrote the command line's models as networks
    return header


def _read_array(
    path: Path, archive: zipfile.ZipFile, name: str, spec: Any, header: dict[str, Any]
) -> np.ndarray:
    """Read one array after checking its declared shape and dtype against its stored size."""
    try:
        shape, dtype = tuple(spec["shape"]), np.dtype(spec["dtype"])
    except (TypeError, ValueError, SyntaxError):
        raise ModelFileError(
            f"{path}: array {name!r} has an invalid dtype {spec['dtype']!r}"
        ) from None
    if dtype.kind not in "biuf" or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ModelFileError(f"{path}: array {name!r} has an invalid description {spec!r}")
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if name == "theta":
        expected = _expected_theta(path, header)
        if shape != (expected,):
            raise ModelFileError(
                f"{path}: the architecture has {expected} parameters but the file declares "
                f"shape {shape}"
            )
    try:
        info = archive.getinfo(f"{name}.npy")
    except KeyError:
        raise ModelFileError(
            f"{path}: the model file is corrupted (array {name!r} is missing)"
        ) from None
    if not nbytes <= info.file_size <= nbytes + NPY_HEADER_ALLOWANCE:
        raise ModelFileError(
            f"{path}: array {name!r} should take {nbytes} bytes but the archive says "
            f"{info.file_size}; the file is corrupted"
        )
    _check_expansion(path, info)
    with archive.open(info) as member:
        stored_shape, _, stored_dtype = read_npy_header(member)
        if stored_shape != shape or stored_dtype != dtype:
            raise ModelFileError(
                f"{path}: array {name!r} is stored as {stored_dtype}{list(stored_shape)}, not "
                f"the declared {dtype}{list(shape)}"
            )
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_expansion(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a member larger than the file holds (the zip directory's sizes are only
    claims), or a compressed member that would expand far beyond its stored size."""
    size = path.stat().st_size
    if info.compress_size > size or (
        info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size
    ):
        raise ModelFileError(
            f"{path}: member {info.filename!r} claims {info.file_size} bytes, more than the "
            f"file's {size}; the file is corrupted"
        )
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_EXPANSION * max(
        info.compress_size, 1 << 16
    ):
        raise ModelFileError(
            f"{path}: member {info.filename!r} would expand from {info.compress_size} to "
            f"{info.file_size} bytes; refusing a possible decompression bomb"
        )


def _expected_theta(path: Path, header: dict[str, Any]) -> int:
    """Parameter count implied by the header's layer sizes, computed without allocating."""
    sizes = header.get("network", {}).get("layer_sizes")
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes)
    ):
        raise ModelFileError(f"{path}: the model file has invalid layer sizes {sizes!r}")
    return parameter_count(sizes)


def save_network(
    net: Network,
    path: str | PathLike[str],
    *,
    kind: str = "network",
    metadata: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    arrays: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Save ``net`` (and optional metadata, training state and arrays) to ``path``.

    ``kind`` names the loader that builds the file back (:func:`register_kind`)."""
    header = {
        "kind": kind,
        "network": net.config(),
        "metadata": dict(metadata or {}),
        "training": None if training is None else dict(training),
    }
    # the file always holds host NumPy arrays, wherever the network computes
    write_model_file(path, header, {"theta": net.host_theta(), **(arrays or {})})


def network_from_file(
    path: str | PathLike[str], header: dict[str, Any], arrays: dict[str, np.ndarray]
) -> Network:
    """Build the network a checked model file describes."""
    try:
        net = Network(**header["network"])
    except ChainruleError as exc:
        raise ModelFileError(
            f"{path}: the model file describes an invalid network ({exc})"
        ) from None
    except TypeError:
        raise ModelFileError(f"{path}: the model file has an invalid network description") from None
    theta = arrays["theta"]
    if theta.dtype != net.dtype:
        raise ModelFileError(f"{path}: parameters are {theta.dtype}, the network says {net.dtype}")
    if not np.isfinite(theta).all():
        raise ModelFileError(f"{path}: the model's parameters contain NaN or infinity")
    net.theta[...] = theta
    return net


def read_network(
    path: str | PathLike[str],
) -> tuple[Network, dict[str, Any], dict[str, np.ndarray]]:
    """Load a model file's network; returns ``(net, header, arrays)``."""
    header, arrays = read_model_file(path)
    return network_from_file(path, header, arrays), header, arrays


Loader = Callable[[Path, dict[str, Any], dict[str, np.ndarray]], Any]
LOADERS: dict[str, Loader] = {"network": network_from_file}


def register_kind(kind: str, loader: Loader) -> None:
    """Let :func:`load` build files of ``kind`` with ``loader(path, header, arrays)``."""
    LOADERS[kind] = loader


def build(path: str | PathLike[str], header: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """What a read model file holds, built by the loader registered for its kind."""
    kind = header.get("kind", "network")
    loader = LOADERS.get(kind) if isinstance(kind, str) else None
    if loader is None:
        raise ModelFileError(f"{path}: holds an unknown kind of model {kind!r}")
    return loader(Path(path), header, arrays)


def load(path: str | PathLike[str]) -> Any:
    """Load what a model file holds: a :class:`Network`, or a registered kind of model."""
    return build(path, *read_model_file(path))
