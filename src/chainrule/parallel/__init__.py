"""Layer 4, past one process: data-parallel training on MPI (mpi4py, imported on demand)."""

from chainrule.parallel.mpi import (
    DataParallel,
    Ranks,
    Shard,
    gather_columns,
    launched_size,
    shard_rows,
    world,
)

__all__ = [
    "DataParallel",
    "Ranks",
    "Shard",
    "gather_columns",
    "launched_size",
    "shard_rows",
    "world",
]
