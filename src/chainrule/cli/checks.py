"""Checks every command makes on its options before any work starts.

:func:`check_paths` is the one rule for files: an output may not be one of the command's
inputs, nor another of its outputs, and its folder must exist. The others turn an option's
value into what the command needs, or a :class:`~chainrule.errors.ConfigurationError` that
names the option.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chainrule.core.validation import check_dtype, check_seed
from chainrule.errors import ConfigurationError, DataError
from chainrule.io.datasets import CATALOGUE

SEED_LIMIT = 2**32  # what NumPy's legacy seeding and scikit-learn's random_state accept

PathLike = str | os.PathLike[str] | None


def _same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` name the same file: the same path, or (both existing) one file."""
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


def check_paths(inputs: Mapping[str, PathLike], outputs: Mapping[str, PathLike]) -> None:
    """Refuse, before any work, outputs that would overwrite an input or each other.

    ``inputs`` and ``outputs`` map an option (``"--data"``) to its path (``None``: not given;
    a bundled data set's name is no file, even where a file of that name exists). An output
    that is an input or another output (same path, or :func:`os.path.samefile`), a folder, or
    in a folder that does not exist is a :class:`DataError` naming both options.
    """
    given_inputs = [
        (option, Path(p)) for option, p in inputs.items() if p is not None and p not in CATALOGUE
    ]
    given_outputs = [(option, Path(p)) for option, p in outputs.items() if p is not None]
    for index, (option, path) in enumerate(given_outputs):
        if path.is_dir():
            raise DataError(f"{option} {path}: is a folder")
        if not path.parent.exists():
            raise DataError(f"{option} {path}: the folder {path.parent} does not exist")
        for other, source in given_inputs:
            if source.exists() and _same_file(path, source):
                raise DataError(
                    f"{option} {path} would overwrite {other} {source}; write to another file"
                )
        for other, earlier in given_outputs[:index]:
            if _same_file(path, earlier):
                raise DataError(
                    f"{option} {path} and {other} {earlier} are the same file; give each its own"
                )


def check_seed_option(seed: Any, option: str = "--seed") -> int:
    """The seed of a command: an integer from 0 to 2**32 - 1."""
    return check_seed(option, seed, limit=SEED_LIMIT)


def check_dtype_option(dtype: Any, option: str = "--dtype") -> str:
    """``float32`` or ``float64``, named by the option otherwise."""
    try:
        return check_dtype(dtype).name
    except ConfigurationError:
        raise ConfigurationError(f"{option} must be float32 or float64, got {dtype!r}") from None


def check_train_options(
    given: Mapping[str, Any], save: PathLike, checkpoint_every: int, resume: PathLike
) -> None:
    """The options of ``train`` that are wrong whatever the data: the seed, the dtype, and
    ``--checkpoint-every`` without a file to write the checkpoints to."""
    if "seed" in given:
        check_seed_option(given["seed"])
    if "dtype" in given:
        check_dtype_option(given["dtype"])
    if checkpoint_every and save is None and resume is None:
        raise ConfigurationError(
            "--checkpoint-every saves to the --save file: give --save too (or --resume)"
        )
