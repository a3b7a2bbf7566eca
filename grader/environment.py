"""Which Python the student should run: the one line shown when pytest runs in the wrong one.

The checks need torch (and the course grader) in the Python that runs pytest. A student who types
`python3 -m pytest` outside the project's virtual environment gets this line instead of a
traceback: the environment's own Python, by its path, and the command to run with it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from grader.i18n import tr

VENV = ".venv"


def venv_python(root: Path, windows: bool | None = None) -> Path:
    """The virtual environment's Python under `root`, where the README creates it."""
    windows = os.name == "nt" if windows is None else windows
    return Path(root) / VENV / ("Scripts/python.exe" if windows else "bin/python")


def has_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def wrong_python_message(root: Path, args: str = "exercises") -> str:
    """One line: this Python lacks torch; run pytest with the project's environment instead."""
    python = venv_python(root)
    if python.is_file():
        try:
            shown = os.path.relpath(python, Path.cwd())
        except ValueError:      # another drive (Windows)
            shown = str(python)
        return tr("This Python ({python}) has no torch, so no check can run: use the project's environment, "
                  "{command}", python=sys.executable or "python", command=f"{shown} -m pytest {args}")
    return tr("This Python ({python}) has no torch, so no check can run, and there is no {venv} environment in "
              "{root} yet: create it as the README says, then run {command}", python=sys.executable or "python",
              venv=VENV, root=root, command=f"{venv_python(Path(VENV).parent).as_posix()} -m pytest {args}")
