"""Where the core's arrays live: NumPy on the host, or any Python array API namespace.

The core computes with the functions of one namespace ``xp``, spelt and called as NumPy's:
``xp.matmul(W, A_prev, out=Z)``, ``xp.sum(dZ, axis=1, keepdims=True, out=db)``. For NumPy
arrays ``xp`` is :data:`NUMPY`, NumPy's own functions under those names, so the NumPy path
keeps its reused buffers, ``out=`` and views, and costs nothing extra. For arrays of another
library that follows the `Python array API standard <https://data-apis.org/array-api/>`_
(PyTorch, CuPy, array-api-strict), :func:`namespace_of` loads the small shim
:mod:`chainrule.core.array_api`, which gives the same names on that library's namespace and
device; it is imported only when such an array arrives, so ``import chainrule`` loads NumPy
alone.

Which namespace a network computes in follows its data, as scikit-learn's
``array_api_dispatch`` does: training on torch tensors moves the parameters to torch, on the
tensors' device, and a call that mixes two namespaces is a clear error.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from chainrule.errors import DataError

#: What the core calls on ``xp``: NumPy's names and signatures. The shim implements each.
OPERATIONS = (
    "abs", "all", "any", "argmax", "asarray", "concatenate", "copy", "copyto", "divide",
    "empty", "empty_like", "exp", "float64", "greater", "int64", "log", "log1p", "matmul",
    "max", "maximum", "mean", "min", "multiply", "ones", "reshape", "sign", "sqrt",
    "subtract", "sum", "take", "tanh", "where", "zeros", "zeros_like",
)  # fmt: skip


def _number(value: Any) -> float:
    """A 0-d result as the number the trainer adds up: on the host, a Python float."""
    return float(value)


def _scalar(value: float, dtype: np.dtype) -> Any:
    """``value`` as a scalar of ``dtype``, so arithmetic with it stays in that precision."""
    return np.dtype(dtype).type(value)


def _sum(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False):
    """``np.sum``, as its ufunc's reduction: the same sum without ``np.sum``'s Python layer,
    which costs more than the sum itself on the seed's arrays."""
    return np.add.reduce(x, axis=axis, dtype=dtype, out=out, keepdims=keepdims)


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.minimum.reduce(x, axis=axis, keepdims=keepdims)


def _matmul(A: Any, B: Any, out: Any = None) -> Any:
    """``np.matmul``; a product over an inner dimension of 1 (``W[l]^T dZ[l]`` of a one-unit
    layer: an outer product) as the broadcast multiply it is, the same numbers, which the BLAS
    takes ten times as long for as a GEMM."""
    if A.shape[-1] == 1 and A.ndim == 2 == B.ndim:
        return np.multiply(A, B, out=out)
    return np.matmul(A, B, out=out)


class _NumPyNamespace(SimpleNamespace):
    def __reduce__(self) -> str:
        return "NUMPY"  # pickled by reference: the one NumPy namespace


#: NumPy as the core's namespace: NumPy's own functions (the reductions as their ufuncs').
NUMPY = _NumPyNamespace(
    **{
        **{name: getattr(np, name) for name in OPERATIONS},
        **{"sum": _sum, "max": _max, "min": _min, "matmul": _matmul},
    },
    name="numpy",
    device="cpu",
    astype=lambda x, dtype: x.astype(dtype, copy=False),
    number=_number,
    scalar=_scalar,
    library=np,
)

# array API libraries whose arrays have no __array_namespace__ (array_api_compat wraps them)
_LIBRARIES_WITHOUT_NAMESPACE = ("torch", "cupy")


def is_foreign_array(x: Any) -> bool:
    """Whether ``x`` is an array of an array-API library other than NumPy."""
    if isinstance(x, (np.ndarray, np.generic)):
        return False
    return (
        hasattr(x, "__array_namespace__")
        or type(x).__module__.split(".")[0] in _LIBRARIES_WITHOUT_NAMESPACE
    )


def namespace_of(x: Any, *others: Any) -> Any:
    """The namespace the core computes in for ``x`` (and ``others``): :data:`NUMPY` unless one
    of them is another library's array; then that library's, on that array's device.

    Arrays of two libraries, or of one library on two devices, are a
    :class:`~chainrule.errors.DataError` that names both.
    """
    if type(x) is np.ndarray and not others:  # the core's every call on NumPy: kept cheap
        return NUMPY
    arrays = (x, *others)
    foreign = [a for a in arrays if a is not None and is_foreign_array(a)]
    if not foreign:
        return NUMPY
    # the shim: only ever loaded for non-NumPy arrays
    from chainrule.core.array_api import namespace as foreign_namespace

    xp = foreign_namespace(foreign[0])
    for a in arrays:
        if isinstance(a, np.ndarray) or (is_foreign_array(a) and foreign_namespace(a) is not xp):
            raise DataError(
                f"the arrays mix {describe(foreign[0])} with {describe(a)}: give every "
                "array of one call in one namespace, on one device"
            )
    return xp


def numpy_dtype(dtype: Any) -> np.dtype:
    """NumPy's dtype of the same name as ``dtype`` (``torch.float32`` -> ``float32``)."""
    if isinstance(dtype, (np.dtype, type, str)):
        return np.dtype(dtype)
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def host(x: Any) -> Any:
    """``x`` as NumPy holds it: another library's array copied to the host, anything else
    as it is."""
    return namespace_of(x).to_numpy(x) if is_foreign_array(x) else x


def columns_of(array: Any, columns: Any) -> Any:
    """``array[:, columns]`` in ``array``'s namespace: a view for a slice; for an index array
    NumPy's indexing (which scipy.sparse matrices share) or the standard's ``take``."""
    if isinstance(columns, slice) or namespace_of(array) is NUMPY:
        return array[:, columns]
    return namespace_of(array).take(array, columns, axis=1)


def placed_like(x: Any, like: Any) -> Any:
    """``x`` where ``like`` lives, in ``like``'s dtype: itself if it is there already, else a
    copy (through the host) into ``like``'s namespace and onto its device."""
    xp = namespace_of(like)
    if namespace_of(x) is xp:
        return x
    moved = np.asarray(host(x), dtype=numpy_dtype(like.dtype))
    return moved if xp is NUMPY else xp.asarray(moved)


def describe(x: Any) -> str:
    """``torch arrays on cpu``, ``NumPy arrays``: where an array lives, for messages."""
    if not is_foreign_array(x):
        return "NumPy arrays"
    from chainrule.core.array_api import namespace as foreign_namespace

    xp = foreign_namespace(x)
    return f"{xp.name} arrays on {xp.device}"
