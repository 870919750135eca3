"""Layer 5, learning tools: the math of a given network shown with its shapes and numbers.

* :func:`explain`: a network's equations with every shape (and its optimiser's update rule);
* :func:`trace_step`: one training step with every matrix, :meth:`Trace.weight` one weight's
  gradient as a sum over the examples;
* :func:`computation_graph`: the graph of matrices, forward and backward;
* the bug hunt: :data:`BUGS`, :func:`backward_source` (the backward pass with bug N in it),
  :func:`ground_of` (a network and data to hunt on), :func:`plant` (plant bug N there and
  gradient-check it), :func:`check` (check your own ``backward`` function);
* :class:`Dynamics`: a trainer callback recording per-layer gradients, updates, gains and
  saturation; :func:`dynamics_figure` draws them, :func:`boundary_figure` a classifier's
  decision boundary (these two need matplotlib).
"""

from chainrule.learn.bughunt import (
    BUGS,
    TRUE_BACKWARD,
    Ground,
    Verdict,
    backward_source,
    backward_with,
    check,
    ground_of,
    hunting_ground,
    plant,
)
from chainrule.learn.dynamics import Dynamics
from chainrule.learn.explain import Explanation, explain
from chainrule.learn.figures import boundary_figure, draw_boundary, dynamics_figure
from chainrule.learn.graph import Graph, computation_graph
from chainrule.learn.trace import Trace, WeightTrace, trace_step

__all__ = [
    "BUGS",
    "TRUE_BACKWARD",
    "Dynamics",
    "Explanation",
    "Graph",
    "Ground",
    "Trace",
    "Verdict",
    "WeightTrace",
    "backward_source",
    "backward_with",
    "boundary_figure",
    "check",
    "computation_graph",
    "draw_boundary",
    "dynamics_figure",
    "explain",
    "ground_of",
    "hunting_ground",
    "plant",
    "trace_step",
]
