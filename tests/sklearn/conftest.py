"""scikit-learn's array API checks run in ``test_estimators_array_api.py``, in interpreters
that set ``SCIPY_ARRAY_API=1`` before SciPy is imported; inside ``parametrize_with_checks``
here they could only skip (SciPy is already loaded), so they are deselected here."""


def pytest_collection_modifyitems(config, items):
    def in_this_process(item):
        return not ("estimator_checks" in item.nodeid and "check_array_api" in item.nodeid)

    removed = [item for item in items if not in_this_process(item)]
    if removed:
        config.hook.pytest_deselected(items=removed)
        items[:] = [item for item in items if in_this_process(item)]
