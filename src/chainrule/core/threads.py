"""Elementwise work of large arrays on several threads, bit-identical to one thread.

NumPy's matrix products use every core, but its elementwise operations (the activations and
their derivatives, the optimisers' updates) run on one. :func:`in_row_blocks` splits such work
into contiguous blocks of rows and runs them on a thread pool: NumPy releases the GIL inside
its loops, so the blocks run at once, and each element goes through exactly the same
operations as on one thread, so the results are bit-identical. A pool costs tens of
microseconds a call, more than small arrays take, so arrays below :data:`settings.min_elements`
stay on the calling thread.

The defaults come from measurement (``benchmarks/threads.py``): on a 2-core machine two
threads make the relu backward step 1.4x faster on a 4 MB float32 array and an Adam update
(several passes, fused per block) 1.9x, but lose on arrays of 1 MB and less, where the pool
costs more than it saves; hence splitting from 2^20 elements. A probe on a 16-core machine
found 4 to 8 threads 2x to 4.5x faster on 4 to 16 MB and 16 threads slower. The thread count
is the number of cores, at most 8, unless ``OMP_NUM_THREADS`` says less;
``CHAINRULE_THREADS=1`` (or :func:`configure`) turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.core.validation import check_positive_int


@dataclass
class Settings:
    threads: int
    min_elements: int
    pool: ThreadPoolExecutor | None = None


def _default_threads() -> int:
    """``CHAINRULE_THREADS``, else ``OMP_NUM_THREADS`` (the limit users and MPI jobs already
    set for the BLAS), else the number of cores, at most 8."""
    for variable in ("CHAINRULE_THREADS", "OMP_NUM_THREADS"):
        configured = os.environ.get(variable, "")
        if configured.isdigit() and int(configured) > 0:
            return int(configured)
    return max(1, min(os.cpu_count() or 1, 8))


settings = Settings(threads=_default_threads(), min_elements=1 << 20)


def configure(threads: int | None = None, min_elements: int | None = None) -> Settings:
    """Set the number of threads (1: off) and the smallest array worth splitting."""
    if threads is not None:
        settings.threads = check_positive_int("threads", threads)
        if settings.pool is not None:
            settings.pool.shutdown()
            settings.pool = None
    if min_elements is not None:
        settings.min_elements = check_positive_int("min_elements", min_elements)
    return settings


def in_row_blocks(function: Callable[..., Any], *arrays: Any) -> None:
    """Call ``function(*arrays)``, on blocks of rows of the arrays when they are large.

    The arrays whose first dimension is the first array's are cut into the same contiguous
    row blocks (axis 0); anything else (scalars, a broadcast ``(n, 1)`` of another length) is
    passed whole. ``function`` must act elementwise and write its results into its arguments.
    """
    first = arrays[0]
    if not isinstance(first, np.ndarray):  # another array API library: its own parallelism
        function(*arrays)
        return
    n, threads = first.shape[0], settings.threads
    if threads == 1 or first.size < settings.min_elements or n < threads:
        function(*arrays)
        return
    if settings.pool is None:
        settings.pool = ThreadPoolExecutor(threads, thread_name_prefix="chainrule")
    step = -(-n // threads)

    def block(start: int) -> None:
        part = slice(start, start + step)
        function(
            *(
                a[part] if isinstance(a, np.ndarray) and a.ndim and a.shape[0] == n else a
                for a in arrays
            )
        )

    for future in [settings.pool.submit(block, start) for start in range(0, n, step)]:
        future.result()
