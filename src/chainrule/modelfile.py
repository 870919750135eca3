"""Model files: one ``.npz`` archive with a JSON header, readable without running code.

Layout (format version 1):

* ``header.npy``: UTF-8 JSON as a ``uint8`` array: ``{"format": "chainrule", "version": 1,
  "kind": "network" | estimator class name, "network": {architecture and hyper-parameters},
  "arrays": {name: {"shape", "dtype"}}, "training": {...} | null, "metadata": {...}}``;
* ``theta.npy``: all parameters, flat, in the layout of :class:`~chainrule.network.Network`;
* optional arrays named in the header (optimiser buffers of a checkpoint, feature scaling...).

Nothing is unpickled (``allow_pickle=False``). Before any array is read, the sizes the zip
directory and each array's own ``.npy`` header claim are checked against what the JSON header
and the architecture imply, so a damaged or hostile file is rejected before a large
allocation. Writes go to a temporary file in the same folder, are flushed to disk, and then
renamed over the target, so an interrupted save never destroys an existing model.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ChainruleError, ModelFileError
from chainrule.network import Network

FORMAT = "chainrule"
VERSION = 1
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


def network_config(net: Network) -> dict[str, Any]:
    """The constructor arguments that rebuild ``net``'s architecture, as JSON values."""
    hidden = net.hidden_activation
    return {
        "layer_sizes": list(net.layer_sizes),
        "hidden_activation": hidden if isinstance(hidden, str) else list(hidden),
        "output_activation": net.output.name,
        "dtype": net.dtype.name,
        "leaky_slope": net.leaky_slope,
        "l2": net.l2,
        "dropout": net.dropout,
        "init": net.init,
        "seed": net.seed,
    }


def write_model_file(
    path: str | PathLike[str], header: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
) -> None:
    """Write ``arrays`` and the JSON ``header`` to ``path`` atomically."""
    path = Path(path)
    header = {
        **header,
        "format": FORMAT,
        "version": VERSION,
        "arrays": {
            name: {"shape": list(a.shape), "dtype": a.dtype.str} for name, a in arrays.items()
        },
    }
    encoded = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    try:
        handle = tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write a model there ({exc.strerror})") from exc
    try:
        with handle:
            np.savez(handle, header=encoded, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException as exc:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ModelFileError(f"{path}: could not save the model ({exc})") from exc
        raise


def read_model_file(path: str | PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check a model file; returns ``(header, arrays)``."""
    path = Path(path)
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
    if not isinstance(header.get("arrays"), dict) or "theta" not in header["arrays"]:
        raise ModelFileError(f"{path}: the model file is corrupted (no parameter array)")
    return header


def _read_array(
    path: Path, archive: zipfile.ZipFile, name: str, spec: Any, header: dict[str, Any]
) -> np.ndarray:
    """Read one array after checking its declared shape and dtype against its stored size."""
    shape, dtype = tuple(spec["shape"]), np.dtype(spec["dtype"])
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
        major, _ = np.lib.format.read_magic(member)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0
        )
        stored_shape, _, stored_dtype = read_header(member)
        if stored_shape != shape or stored_dtype != dtype:
            raise ModelFileError(
                f"{path}: array {name!r} is stored as {stored_dtype}{list(stored_shape)}, not "
                f"the declared {dtype}{list(shape)}"
            )
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_expansion(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a compressed member that would expand far beyond its stored size."""
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
    return sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))


def save_network(
    net: Network,
    path: str | PathLike[str],
    *,
    kind: str = "network",
    metadata: Mapping[str, Any] | None = None,
    training: Mapping[str, Any] | None = None,
    arrays: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Save ``net`` (and optional metadata, training state and arrays) to ``path``."""
    header = {
        "kind": kind,
        "network": network_config(net),
        "metadata": dict(metadata or {}),
        "training": None if training is None else dict(training),
    }
    write_model_file(path, header, {"theta": net.theta, **(arrays or {})})


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


def load(path: str | PathLike[str]) -> Any:
    """Load what a model file holds: a :class:`Network`, or the estimator that saved it."""
    header, arrays = read_model_file(path)
    kind = header.get("kind", "network")
    if kind == "network":
        return network_from_file(path, header, arrays)
    from chainrule import estimators

    estimator_class = getattr(estimators, str(kind), None)
    if not isinstance(estimator_class, type) or not hasattr(estimator_class, "from_model_file"):
        raise ModelFileError(f"{path}: holds an unknown kind of model {kind!r}")
    return estimator_class.from_model_file(path, header, arrays)
