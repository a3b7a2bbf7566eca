"""Checks for lesson01. Run them with:  pytest exercises/lesson01

The course grader's pytest plugin turns this file into one test per check: edit the lesson
file beside it, not this one. Run by a Python without the course grader, its one test fails with
one line naming the Python to use.
"""

import sys

import pytest


def test_grader_plugin_is_installed():
    pytest.fail(f"This Python ({sys.executable}) does not have the course grader, so no check ran: run pytest "
                "with the project's environment, .venv/bin/python -m pytest exercises/lesson01 (Windows: "
                ".venv\\Scripts\\python -m pytest exercises\\lesson01), set up once as the README says.",
                pytrace=False)
