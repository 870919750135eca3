"""The array API shim: the core's NumPy-spelt operations on any standard namespace.

The core calls ``xp.multiply(dA, G, out=dA)`` and the like (the names of
:data:`chainrule.core.arrays.OPERATIONS`). On NumPy those are NumPy's functions. Here they
are the same functions on another library's namespace (through ``array_api_compat``, the
compatibility layer scikit-learn and SciPy use) and device. The standard has no ``out=``, so
an operation given ``out`` computes its result and writes it into ``out`` (``out[...] =
result``): one copy more than NumPy, and in exchange every buffer, and every view of the
flat parameter vector, stays the array the core holds. Python scalars become 0-d arrays of
the namespace's device, so nothing leaves the device until a caller asks for a number.

This module is imported only when a non-NumPy array reaches the core.
"""

from __future__ import annotations

import operator
import sys
from typing import Any

import numpy as np

from chainrule.errors import ConfigurationError
from chainrule.extras import install_command

try:
    import array_api_compat
except ImportError:  # pragma: no cover - exercised only without the extra
    array_api_compat = None


NATIVE_OUT = ("torch", "cupy")  # libraries whose matmul writes into out= itself


class Namespace:
    """NumPy's spelling of the core's operations on the namespace ``xp``, on ``device``.

    ``name`` is the library's name (``torch``, ``cupy``, ``array_api_strict``); ``library``
    the standard namespace itself.
    """

    def __init__(self, xp: Any, device: Any, name: str) -> None:
        self.library = xp
        self.device = device
        self.name = name
        # PyTorch and CuPy take out= themselves: their products write straight into it
        native = sys.modules.get(name) if name in NATIVE_OUT else None
        self._native_matmul = getattr(native, "matmul", None)
        self.float64 = xp.float64
        self.int64 = xp.int64

    def __repr__(self) -> str:
        return f"Namespace({self.name}, device={self.device})"

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        # rebuilt, after unpickling, from an empty array of the same library and device
        return namespace, (self.zeros((0,), "float32"),)

    # ------------------------------------------------------------------ helpers

    def dtype(self, dtype: Any) -> Any:
        """The library's dtype for a NumPy dtype (or name); a library dtype passes through."""
        if isinstance(dtype, (np.dtype, str, type)):
            return getattr(self.library, np.dtype(dtype).name)
        return dtype

    def _put(self, result: Any, out: Any) -> Any:
        if out is None:
            return result
        if result.dtype != out.dtype:
            result = self.library.astype(result, out.dtype)
        out[...] = result
        return out

    def number(self, value: Any) -> Any:
        """A 0-d result as the trainer adds it up: left on the device (no wait for it)."""
        return value

    def scalar(self, value: float, dtype: Any) -> float:
        """``value`` rounded to ``dtype``, as a Python number: libraries take Python numbers
        into their kernels as they are, where a 0-d array would be a copy to the device."""
        single = self.dtype(dtype) == self.library.float32
        return float(np.float32(value) if single else np.float64(value))

    def to_numpy(self, x: Any) -> np.ndarray:
        """A host NumPy copy of ``x`` (what a model file holds)."""
        if self.name == "torch":
            return x.detach().cpu().numpy().copy()
        if self.name == "cupy":
            return x.get()
        return np.array(np.from_dlpack(x), copy=True)

    # ------------------------------------------------------------------ creation

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        if isinstance(x, np.ndarray) and self.name == "array_api_strict":
            x = x.tolist() if x.ndim == 0 else x
        return self.library.asarray(x, dtype=self.dtype(dtype), device=self.device)

    def empty(self, shape: Any, dtype: Any = None) -> Any:
        return self.library.empty(shape, dtype=self.dtype(dtype), device=self.device)

    def zeros(self, shape: Any, dtype: Any = None) -> Any:
        return self.library.zeros(shape, dtype=self.dtype(dtype), device=self.device)

    def ones(self, shape: Any, dtype: Any = None) -> Any:
        return self.library.ones(shape, dtype=self.dtype(dtype), device=self.device)

    def empty_like(self, x: Any) -> Any:
        return self.library.empty_like(x)

    def zeros_like(self, x: Any) -> Any:
        return self.library.zeros_like(x)

    def copy(self, x: Any) -> Any:
        return self.library.asarray(x, copy=True)

    def copyto(self, dst: Any, src: Any) -> None:
        dst[...] = src

    def astype(self, x: Any, dtype: Any) -> Any:
        return self.library.astype(x, self.dtype(dtype), copy=False)

    def reshape(self, x: Any, shape: Any) -> Any:
        # never a silent copy: W[l] and b[l] must be views of theta, or this fails loudly
        return self.library.reshape(x, shape, copy=False)

    def concatenate(self, arrays: Any, axis: int = 0) -> Any:
        return self.library.concat(list(arrays), axis=axis)

    def take(self, x: Any, indices: Any, axis: int) -> Any:
        if isinstance(indices, np.ndarray):
            indices = self.library.asarray(indices, dtype=self.int64, device=self.device)
        return self.library.take(x, indices, axis=axis)

    # ------------------------------------------------------------------ elementwise

    def _unary(name: str) -> Any:  # builds the methods below
        def operation(self: Namespace, x: Any, out: Any = None) -> Any:
            return self._put(getattr(self.library, name)(x), out)

        operation.__name__ = name
        return operation

    abs = _unary("abs")
    exp = _unary("exp")
    log = _unary("log")
    log1p = _unary("log1p")
    sign = _unary("sign")
    sqrt = _unary("sqrt")
    tanh = _unary("tanh")

    def _binary(name: str, operator: Any) -> Any:
        def operation(self: Namespace, x1: Any, x2: Any, out: Any = None) -> Any:
            if isinstance(x1, (int, float)) or isinstance(x2, (int, float)):
                result = operator(x1, x2)  # a Python number goes into the kernel as it is
            else:
                result = getattr(self.library, name)(x1, x2)
            return self._put(result, out)

        operation.__name__ = name
        return operation

    add = _binary("add", operator.add)
    subtract = _binary("subtract", operator.sub)
    multiply = _binary("multiply", operator.mul)
    divide = _binary("divide", operator.truediv)
    greater = _binary("greater", operator.gt)
    del _unary, _binary

    def maximum(self, x1: Any, x2: Any, out: Any = None) -> Any:
        if self.name == "torch" and isinstance(x2, (int, float)):
            return self._put(sys.modules["torch"].clamp_min(x1, x2), out)  # no 0-d copy
        return self._put(self.library.maximum(x1, x2), out)

    def where(self, condition: Any, x1: Any, x2: Any) -> Any:
        return self.library.where(condition, x1, x2)

    def matmul(self, x1: Any, x2: Any, out: Any = None) -> Any:
        if out is not None and self._native_matmul is not None:
            return self._native_matmul(x1, x2, out=out)
        return self._put(self.library.matmul(x1, x2), out)

    # ------------------------------------------------------------------ reductions

    def sum(
        self,
        x: Any,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        keepdims: bool = False,
    ) -> Any:
        total = self.library.sum(x, axis=axis, dtype=self.dtype(dtype), keepdims=keepdims)
        return self._put(total, out)

    def max(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.library.max(x, axis=axis, keepdims=keepdims)

    def min(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.library.min(x, axis=axis, keepdims=keepdims)

    def mean(self, x: Any, axis: Any = None) -> Any:
        if x.dtype == self.library.bool:
            x = self.library.astype(x, self.float64)
        return self.library.mean(x, axis=axis)

    def argmax(self, x: Any, axis: Any = None) -> Any:
        return self.library.argmax(x, axis=axis)

    def all(self, x: Any, axis: Any = None) -> Any:
        return self.library.all(x, axis=axis)

    def any(self, x: Any, axis: Any = None) -> Any:
        return self.library.any(x, axis=axis)


_libraries: dict[type, Any] = {}  # an array type's standard namespace
_namespaces: dict[tuple[str, str], Namespace] = {}  # one per library and device


def namespace(x: Any) -> Namespace:
    """The :class:`Namespace` of ``x``'s library on ``x``'s device: one per pair, so that
    arrays of one library and device (a tensor and an ``nn.Parameter``) share it."""
    library = _libraries.get(type(x))
    if library is None:
        if array_api_compat is None:
            raise ConfigurationError(
                f"computing on {type(x).__module__} arrays needs the array-api-compat "
                f"package: {install_command('array-api')}"
            )
        library = _libraries.setdefault(type(x), array_api_compat.array_namespace(x))
    if "jax" in library.__name__:
        raise ConfigurationError(
            "JAX arrays cannot be updated in place, and chainrule's optimisers update the "
            "parameters in place: train on NumPy, PyTorch, CuPy or another array API library "
            "with mutable arrays"
        )
    device = array_api_compat.device(x)
    key = (library.__name__, str(device))
    made = _namespaces.get(key)
    if made is None:
        name = library.__name__.rsplit(".", 1)[-1]
        made = _namespaces.setdefault(key, Namespace(library, device, name))
    return made
