"""The published catalogue of hostile and broken submissions, with the judge's exact outcome.

Each case is one student folder graded in ONE batch run together with honest controls, so the
test also shows that the batch completes and that no case changes another student's score.
Lesson 3 is worth 10: forward 2, squared_error 2, backprop_step 6 (which calls forward and
squared_error). `score` is the exact lesson-3 score the judge must give; `message` a phrase one
of the failing checks' messages must contain; `needs` a protection without which the case is
skipped (it would be unsafe or meaningless unconfined).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SOLUTION_MARK = "@@SOLUTION@@"   # replaced by the reference solution's source
SECRET = "s3cr3t-adversarial-token-77c1"   # planted in the judge's environment while the catalogue runs
SECRET_NAME = "GRADER_ADVERSARIAL_API_TOKEN"
KILL_MARK = "# KILL-MY-JUDGE-WORKER"     # see tests/adversarial/killer.py
FAKE_PASS = "\x1b[2J\x1b[1;32m ALL CHECKS PASSED 10 / 10\r"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]          # path inside the student folder -> content
    score: float
    message: str = ""
    needs: str | None = None
    ignored: tuple[str, ...] = ()          # files the feedback must list as ignored
    lessons: tuple[str, ...] = ("lesson03",)
    note: str = ""                         # a phrase the lesson's notes must contain
    outside: str = ""                      # a path that must NOT exist after the run
    kill_worker: bool = False              # the judge worker grading it is SIGKILLed mid-job (each time)
    absent: tuple[str, ...] = ()           # text that must appear in no file the batch wrote
    feedback: str = ""                     # a phrase the student's feedback.md must contain
    description: str = field(default="", compare=False)


LESSON = "exercises/lesson03/backprop.py"


def patched(code: str) -> dict[str, str]:
    return {LESSON: SOLUTION_MARK + "\n\n# --- hostile patch ---\n" + code}


def at_import(code: str) -> dict[str, str]:
    return {LESSON: code + "\n" + SOLUTION_MARK}


def notebook(*cells: str) -> str:
    import json
    return json.dumps({"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": [],
                                  "execution_count": None} for source in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


WRONG_FORWARD = "def forward(x, w):\n    return x + w\n"
# x + w: forward's values are wrong (gradcheck still passes: its gradients match its own values),
# squared_error is right, and backprop_step keeps only its autograd-state checks.
WRONG_FORWARD_SCORE = 5

CASES = [
    Case("control_correct", patched(""), 10, description="an honest, correct submission"),
    Case("control_wrong_forward", patched(WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values",
         description="an honest mistake: x + w"),
    # --- ending the process ---------------------------------------------------------------
    Case("sys_exit_at_import", at_import("import sys\nsys.exit(0)"), 0, "could not be imported: SystemExit"),
    Case("os_exit_at_import", at_import("import os\nos._exit(0)"), 0, "ended its own process"),
    Case("keyboard_interrupt_at_import", at_import("raise KeyboardInterrupt"), 0,
         "could not be imported: KeyboardInterrupt"),
    Case("sys_exit_in_call", patched("import sys\ndef forward(x, w):\n    sys.exit(1)\n"), 2, "raised SystemExit"),
    Case("os_exit_in_call", patched("import os\ndef forward(x, w):\n    os._exit(7)\n"), 2,
         "ended its own process (exit code 7)"),
    Case("keyboard_interrupt_in_call", patched("def squared_error(y_pred, y):\n    raise KeyboardInterrupt\n"), 2,
         "raised KeyboardInterrupt"),
    Case("segfault_in_call", patched("import ctypes\ndef forward(x, w):\n    ctypes.string_at(0)\n"), 2, "crashed"),
    # --- hanging ------------------------------------------------------------------------------
    Case("infinite_loop_in_call", patched("def forward(x, w):\n    while True:\n        pass\n"), 2,
         "took longer than"),
    Case("infinite_loop_at_import", at_import("while True:\n    pass"), 0, "took longer than"),
    Case("cancels_alarms_then_loops", patched(
        "import signal\nsignal.setitimer(signal.ITIMER_REAL, 0)\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "def forward(x, w):\n    while True:\n        pass\n"), 2, "took longer than"),
    Case("sleeps_forever", patched("import time\ndef squared_error(y_pred, y):\n    time.sleep(10**6)\n"), 2,
         "took longer than"),
    # --- resources ------------------------------------------------------------------------------
    Case("memory_bomb", patched("def forward(x, w):\n    blocks = []\n    while True:\n"
                                "        blocks.append(bytearray(2**27))\n"), 2, "more memory than the 1024 MB limit",
         needs="memory"),
    Case("fork_bomb", patched("import os\ndef forward(x, w):\n    while True:\n        os.fork()\n"), 2, "",
         needs="processes"),
    Case("huge_print", patched("def forward(x, w):\n    print('x' * 3 * 2**20)\n    return x * w\n"), 2,
         "printed more than 1 MB"),
    Case("endless_print", patched("import time\ndef forward(x, w):\n    while True:\n"
                                  "        print('x' * 2**16)\n        time.sleep(0.001)\n"), 2,
         "printed more than 1 MB"),
    Case("hides_its_output", patched("import os\nos.rename('output.log', 'quiet.log')\n"
                                     "def forward(x, w):\n    print('x' * 3 * 2**20)\n    return x * w\n"), 2,
         "printed more than 1 MB"),
    Case("deletes_its_output", patched("import os\nos.remove('output.log')\n"
                                       "def forward(x, w):\n    print('x' * 3 * 2**20)\n    return x * w\n"), 2,
         "printed more than 1 MB"),
    Case("huge_reply", patched("def squared_error(y_pred, y):\n    return torch.ones(120_000_000)\n"), 2,
         "returned more than 64 MB", description="a 480 MB return value (issue 10: the judge read it all)"),
    Case("huge_file", patched("def forward(x, w):\n    with open('big.bin', 'wb') as f:\n"
                              "        while True:\n            f.write(b'0' * 2**20)\n"), 2, "wrote more than 64 MB"),
    # --- lying to the judge ---------------------------------------------------------------------------
    Case("patches_torch_allclose", patched(
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n" + WRONG_FORWARD),
        WRONG_FORWARD_SCORE, "wrong values"),
    Case("patches_torch_testing", patched(
        "import torch.testing\ntorch.testing.assert_close = lambda *a, **k: None\n" + WRONG_FORWARD),
        WRONG_FORWARD_SCORE, "wrong values"),
    Case("patches_numpy_testing", patched(
        "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
        "numpy.allclose = lambda *a, **k: True\n" + WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values"),
    Case("patches_gradcheck", patched(
        "torch.autograd.gradcheck = lambda *a, **k: True\ntorch.autograd.gradgradcheck = lambda *a, **k: True\n"
        "def forward(x, w):\n    return torch.from_numpy(x.detach().cpu().numpy() * float(w))\n"), 3,
        "gradients cannot flow"),
    Case("patches_pytest", patched(
        "import pytest, _pytest.outcomes\npytest.fail = lambda *a, **k: None\n"
        "_pytest.outcomes.fail = lambda *a, **k: None\n" + WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values"),
    Case("equals_anything_tensor", patched(
        "class Liar(torch.Tensor):\n"
        "    def __eq__(self, other): return True\n"
        "    @classmethod\n"
        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        if func.__name__ in ('allclose', 'equal', 'isclose'): return True\n"
        "        return super().__torch_function__(func, types, args, kwargs or {})\n"
        "def forward(x, w):\n    return torch.zeros_like(x).as_subclass(Liar)\n"), 2, "wrong values"),
    Case("prints_fake_pytest_summary", patched(
        "print('===== 10 passed in 0.01s =====')\nprint('total 10 / 10 (100%)')\n"
        "import sys\nsys.__stdout__.write('{\"score\": 10}')\n" + WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values"),
    Case("writes_fake_results_json", patched(
        "import json, pathlib\nfor p in ('results.json', '../results.json', '../../results.json'):\n"
        "    try: pathlib.Path(p).write_text(json.dumps({'score': 10, 'tests': []}))\n"
        "    except OSError: pass\n" + WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values"),
    Case("ships_conftest_and_ini", {**patched(WRONG_FORWARD),
         "conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
                        "def pytest_runtest_makereport(item, call):\n"
                        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n",
         "exercises/lesson03/conftest.py": "raise SystemExit('hijack')\n",
         "pytest.ini": "[pytest]\naddopts = -p no:torch_course_grader\n",
         "exercises/lesson03/sitecustomize.pth": "import os; os._exit(0)\n",
         ".github/workflows/classroom.yml": "name: fake\n"}, WRONG_FORWARD_SCORE, "wrong values",
         ignored=("conftest.py", "pytest.ini", "sitecustomize.pth", "classroom.yml")),
    # --- reaching for what the judge keeps -------------------------------------------------------------
    Case("reads_the_solution", patched(
        "import pathlib\n"
        "def forward(x, w):\n"
        "    for parent in pathlib.Path(__file__).resolve().parents:\n"
        "        pass\n"
        "    import grader\n"
        "    source = (pathlib.Path(grader.__file__).parent.parent / 'solutions/lesson03/backprop.py').read_text()\n"
        "    return x * w if 'BEGIN TODO' in source else x + w\n"), 2, "Permission denied", needs="landlock-fs"),
    Case("imports_the_reference", patched(
        "def forward(x, w):\n"
        "    import importlib.util, grader\n"
        "    from pathlib import Path\n"
        "    path = Path(grader.__file__).parent.parent / 'solutions/lesson03/backprop.py'\n"
        "    spec = importlib.util.spec_from_file_location('ref', path)\n"
        "    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "    return module.forward(x, w)\n"), 2, "Permission denied", needs="landlock-fs"),
    Case("imports_the_checks", patched(
        "def forward(x, w):\n    import grader.checks.lesson03 as checks\n    return x * w\n"), 2, "Permission denied",
        needs="landlock-fs"),
    Case("writes_outside_the_sandbox", patched(
        "def forward(x, w):\n    open('/tmp/grader-adversarial-pwned', 'w').write('x')\n    return x * w\n"),
        2, "Permission denied", needs="landlock-fs", outside="/tmp/grader-adversarial-pwned"),
    Case("opens_a_network_socket", patched(
        "import socket\ndef forward(x, w):\n    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "    s.close()\n    return x * w\n"), 2, "Operation not permitted", needs="seccomp"),
    # --- hurting the judge or the class (issue 10) -------------------------------------------
    Case("killed_worker", patched(KILL_MARK + "\n"), 0, "Judge error: this lesson could not be graded",
         kill_worker=True, description="the judge worker grading it dies mid-job, twice (as to the OOM killer)"),
    Case("reads_the_environment", patched(
        "import os\ndef forward(x, w):\n"
        "    names = sorted(os.environ, key=lambda n: not any(w in n for w in ('TOKEN', 'SECRET', 'KEY')))\n"
        "    seen = ' '.join(f'{n}={os.environ[n]}' for n in names)\n"
        "    try:\n        seen += open('/proc/self/environ').read()\n"
        "    except OSError as exc:\n        seen += repr(exc)\n"
        "    raise RuntimeError(seen)\n"), 2, "HOME=", absent=(SECRET,),
         description="raises an exception holding os.environ, secret-looking names first"),
    Case("fakes_a_pass_with_control_sequences", patched(
        f"def forward(x, w):\n    raise RuntimeError({FAKE_PASS!r})\n"), 2, "ALL CHECKS PASSED",
         absent=("\x1b", "\r"), feedback="x1b",
         description="clears the terminal and prints a fake result in its message"),
    Case("=1+2+cmd|calc!A0", patched(WRONG_FORWARD), WRONG_FORWARD_SCORE, "wrong values",
         description="a student folder named as a spreadsheet formula"),
    # --- broken files ---------------------------------------------------------------------------------
    Case("non_utf8_source", {LESSON: b"NAME = 'caf\xe9'\ndef forward(x, w):\n    return x * w\n"}, 0,
         "could not be imported: SyntaxError"),
    Case("syntax_error", {LESSON: "def forward(x, w)\n    return x * w\n"}, 0, "SyntaxError"),
    Case("notebook_not_json", {"lesson03.ipynb": "this is not { json"}, 0, "not a readable notebook"),
    Case("notebook_cell_never_ends", {"lesson03.ipynb": "@@NOTEBOOK_LOOP@@"}, 0, "took longer than"),
    Case("notebook_prints_too_much", {"lesson03.ipynb": notebook("print('x' * 3 * 2**20)")}, 0,
         "printed more than 1 MB"),
    Case("notebook_runs_the_reference", {"lesson03.ipynb": notebook(   # IPython expands {solutions}
        "import grader, pathlib\nsolutions = pathlib.Path(grader.__file__).parent.parent / 'solutions'\n"
        "%run {solutions}/lesson03/backprop.py")}, 0, "has no `forward`", needs="landlock-fs"),
    Case("checkpoint_runs_code", {**patched(""), "exercises/lesson03/linear_model.ckpt": "@@EVIL_PICKLE@@"}, 10,
         note="could not be loaded safely", outside="/tmp/grader-adversarial-pickle"),
]


def evil_pickle() -> bytes:
    """A pickle whose loading would run a shell command (it must never be loaded unsafely)."""
    return (b"cos\nsystem\n(S'touch /tmp/grader-adversarial-pickle'\ntR.")


def looping_notebook() -> str:
    return notebook("while True:\n    pass\n")


# --- archives: graded by passing the archive itself to the judge ----------------------------------
def _zip(path, entries):
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return path


def zip_slip(folder, solution: str):
    return _zip(folder / "zip_slip.zip", [("exercises/lesson03/backprop.py", solution),
                                          ("../../grader-adversarial-slip.py", "print('escaped')\n")])


def zip_bomb(folder, solution: str):
    return _zip(folder / "zip_bomb.zip", [("exercises/lesson03/backprop.py", solution),
                                          ("exercises/lesson03/data.bin", b"\0" * (300 * 2**20))])


def symlink_escape(folder, solution: str):
    import io
    import tarfile
    path = folder / "symlink_escape.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        link = tarfile.TarInfo("exercises/lesson03/backprop.py")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
        note = tarfile.TarInfo("README.md")
        note.size = 5
        archive.addfile(note, io.BytesIO(b"hello"))
    return path


ARCHIVE_CASES = [
    Case("zip_slip", {}, 0, "path traversal", outside="/tmp/grader-adversarial-slip.py",
         description="an archive entry named ../../x escapes the extraction folder"),
    Case("zip_bomb", {}, 0, "Refused: zip_bomb.zip:",
         description="300 MiB of zeros compressed to a few hundred kB"),
    Case("symlink_escape", {}, 0, "No backprop.py",
         description="the lesson file is a symlink to /etc/passwd"),
]
ARCHIVE_BUILDERS = {"zip_slip": zip_slip, "zip_bomb": zip_bomb, "symlink_escape": symlink_escape}
