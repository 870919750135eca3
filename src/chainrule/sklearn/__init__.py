"""Layer 5, scikit-learn estimators on the chainrule core (needs scikit-learn).

Importing this package registers the estimators' model-file kinds with
:mod:`chainrule.io.modelfile`, so ``chainrule.load`` rebuilds them.
"""

from chainrule.sklearn.estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
