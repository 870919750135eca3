"""Layer 1, the derivation: activations, outputs, initialisation, the network, gradcheck.

Imports NumPy and :mod:`chainrule.errors` only. Everything above it (training, files, MPI,
estimators, the command line) builds on these pieces and none of them knows those layers.
"""

from chainrule.core.gradcheck import gradcheck, gradcheck_problem
from chainrule.core.network import Cache, Network, parameter_count

__all__ = ["Cache", "Network", "gradcheck", "gradcheck_problem", "parameter_count"]
