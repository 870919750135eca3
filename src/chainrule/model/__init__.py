"""The model users predict with: a network, its input standardisation and its target codec.

Imports the core and :mod:`chainrule.io`; the estimators and the command line build on it.
"""

from chainrule.model.model import Model
from chainrule.model.standardizer import Standardizer
from chainrule.model.targets import Classes, Outputs, TargetCodec, Values, codec_from_json

__all__ = [
    "Classes",
    "Model",
    "Outputs",
    "Standardizer",
    "TargetCodec",
    "Values",
    "codec_from_json",
]
