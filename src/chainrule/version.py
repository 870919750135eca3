"""The version of chainrule (layer 0: imports nothing)."""

__version__ = "0.2.0"
