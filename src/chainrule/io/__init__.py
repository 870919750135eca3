"""Layer 2, files: model files, the atomic writer, data readers and the bundled data sets.

Imports the core (and NumPy); scikit-learn and mnist1d only inside the loaders of the bundled
data sets that come from them.
"""

from chainrule.io.atomic import atomic_write, atomic_write_text
from chainrule.io.modelfile import (
    load,
    read_model_file,
    register_kind,
    save_network,
    write_model_file,
)

__all__ = [
    "atomic_write",
    "atomic_write_text",
    "load",
    "read_model_file",
    "register_kind",
    "save_network",
    "write_model_file",
]
