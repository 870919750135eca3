"""Layer 5, learning tools: the math of a given network shown with its shapes and numbers."""

from chainrule.learn.explain import Explanation, explain

__all__ = ["Explanation", "explain"]
