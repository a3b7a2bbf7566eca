"""Read by every pytest run under exercises/. When this Python cannot run the course's checks (the
grader's plugin is not installed in it, or it has no torch), one line naming the Python to use,
instead of a test session that fails. With the plugin loaded it does nothing."""

import sys

import pytest


def pytest_configure(config):
    if config.pluginmanager.has_plugin("torch_course_grader") or config.pluginmanager.has_plugin(
            "grader.pytest_plugin"):
        return
    args = " ".join(map(str, config.args)) or "exercises"
    try:   # the template's own grader, found from its root; it imports no torch
        from grader.pytest_plugin import has_torch, wrong_python_message
        if not has_torch():
            raise pytest.UsageError(wrong_python_message(config.rootpath, args))
    except ImportError:
        pass
    windows = args.replace("/", "\\")
    raise pytest.UsageError(
        f"This Python ({sys.executable or 'python'}) does not have the course grader, so no check can run: use the "
        f"project's environment, .venv/bin/python -m pytest {args} (Windows: .venv\\Scripts\\python -m "
        f"pytest {windows}), set up once as the README says.")
