"""The submission side of a handle: import the student's module and answer requests.

A request is a small dict (`op` plus arguments, already decoded). The answer is either
`{"value": ...}` or `{"error": {...}}` describing what went wrong in the student's code in
words a student can act on. The same `Session` serves the in-process handle (a student's
own `pytest` run) and the isolated child process of the batch judge.
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader import codec, probes


def load_module(path: Path, name: str | None = None):
    """Import a lesson file by path under a private module name."""
    path = Path(path)
    name = name or f"_graded_{path.stem}_{abs(hash(path.resolve()))}"
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def describe_exception(exc: BaseException, source: Path | None) -> dict:
    """Type, message, and the student's own line where it was raised: its place (`where`) and its
    code (`line`, the call site the crash diagnosis reads; grader/diagnosis.py)."""
    where = line = None
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.lineno:
        where = f"{Path(exc.filename or '?').name}:{exc.lineno}"
    elif source is not None:
        mine = [f for f in frames if Path(f.filename).name == source.name]
        if mine:
            where = f"{source.name}:{mine[-1].lineno} in {mine[-1].name}"
        # a notebook's cells have no file of their own: the last frame outside the libraries
        theirs = mine or [f for f in frames if not _library_frame(f.filename)]
        if theirs:
            line = (theirs[-1].line or "").strip()[:200] or None
    message = str(exc)
    todo = None
    if isinstance(exc, NotImplementedError) and message.startswith("TODO "):
        todo = message.removeprefix("TODO ").split(":")[0].strip()
    return {
        "type": type(exc).__name__,
        "message": message[:500],
        "where": where,
        "line": line,
        "not_started": isinstance(exc, NotImplementedError),
        "todo": todo,
    }


_LIBRARY_ROOTS = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}) \
    + (str(Path(__file__).resolve().parent),)


def _library_frame(filename: str) -> bool:
    """A frame of Python, an installed package or the grader: not the student's code."""
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return resolved.startswith(_LIBRARY_ROOTS) or filename.startswith("<frozen")


class Session:
    """Holds the student's module and the objects it created, and runs requests on them."""

    def __init__(self, source: Path):
        self.source = Path(source)
        self._module = None
        self._import_error: dict | None = None
        self._objects: dict[int, Any] = {}
        self._ids = itertools.count(1)

    # --- refs -------------------------------------------------------------
    def make_ref(self, obj: Any) -> codec.Ref:
        ref_id = next(self._ids)
        self._objects[ref_id] = obj
        return codec.Ref(ref_id, type(obj).__name__)

    def forget_objects(self) -> None:
        """Let go of every object handed out by reference (a new check starts)."""
        self._objects.clear()

    def resolve(self, ref: codec.Ref) -> Any:
        try:
            return self._objects[ref.id]
        except KeyError:
            raise codec.CodecError(f"unknown object {ref.id}") from None

    # --- the module -------------------------------------------------------
    def module(self):
        if self._module is None and self._import_error is None:
            try:
                self._module = load_module(self.source)
            except BaseException as exc:  # a student's import may raise anything, SystemExit too
                self._import_error = describe_exception(exc, self.source)
        if self._import_error is not None:
            raise _ImportFailed(self._import_error)
        return self._module

    def lookup(self, name: str):
        target = self.module()
        for part in name.split("."):
            if not hasattr(target, part):
                raise _Missing(name)
            target = getattr(target, part)
        return target

    # --- requests ----------------------------------------------------------
    def handle(self, request: dict) -> dict:
        """Run one request; never raises for anything the student's code does."""
        op = request["op"]
        try:
            value = self._run(op, request)
        except _ImportFailed as failed:
            return {"error": {"kind": "import", **failed.args[0]}}
        except _Missing as missing:
            return {"error": {"kind": "missing", "name": missing.args[0]}}
        except codec.CodecError as exc:
            return {"error": {"kind": "unsendable", "message": str(exc)}}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from student code too
            return {"error": {"kind": "raised", **describe_exception(exc, self.source)}}
        return {"value": value}

    def _run(self, op: str, req: dict):
        if op == "call":
            return self.lookup(req["name"])(*req["args"], **req["kwargs"])
        if op == "method":
            return getattr(req["target"], req["name"])(*req["args"], **req["kwargs"])
        if op == "new":
            return req["value"]
        if op == "fetch":
            return req["target"]
        if op == "probe":
            return probes.run(req["name"], self, *req["args"], **req["kwargs"])
        if op == "seed":
            seed_everything(int(req["value"]))
            return None
        if op == "release":
            self._objects.pop(int(req["name"]), None)
            return None
        if op == "release_all":
            self.forget_objects()
            return None
        raise codec.CodecError(f"unknown request {op!r}")


BEFORE_OPS = ("release_all", "seed")   # what a request may ask to be done first (ProcessHandle.pending)


def answer(session: Session, request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
    """Decode a request, run it and encode the reply: the whole submission side of the protocol.
    `before` lists requests without arguments or replies (release_all, seed) to run first, in order."""
    for before in request.get("before") or ():
        if not (isinstance(before, list) and before and before[0] in BEFORE_OPS):
            return {"error": {"kind": "unsendable", "message": f"bad request: before {before!r:.100}"}}, []
        reply = session.handle({"op": before[0], "name": None, "value": before[1] if len(before) > 1 else None})
        if "error" in reply:
            return reply, []
    try:
        payload = codec.decode(codec.Encoded(request.get("payload"), buffers), session.resolve, as_snapshots=False)
    except (codec.CodecError, KeyError, TypeError, ValueError) as exc:
        return {"error": {"kind": "unsendable", "message": f"bad request: {exc}"}}, []
    reply = session.handle({"op": request["op"], "name": request.get("name"), **(payload or {})})
    if "error" in reply:
        return reply, []
    try:
        if request.get("keep"):
            encoded = codec.Encoded({"ref": session.make_ref(reply["value"]).id, "type": type(reply["value"]).__name__})
        else:
            encoded = codec.encode(reply["value"], session.make_ref)
    except BaseException as exc:  # a hostile object can raise anything while being read
        return {"error": {"kind": "unsendable", "message": str(exc)[:300]}}, []
    return {"value": encoded.tree}, encoded.buffers


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    seed_torch(seed)


def seed_torch(seed: int) -> None:
    """What `torch.manual_seed(seed)` does, without its cost where CUDA has not started.

    There, torch queues the seed for each accelerator backend it was built for and records a
    stack trace with each (three per call on a Linux CUDA build, ~0.7 ms: more than a fast
    check's own work, and a job seeds every check, on both sides). The CUDA seed is queued here
    without the trace, through torch's own queue, so a process that starts CUDA later finds its
    generators seeded just the same; backends this platform lacks are skipped. Elsewhere, or if
    torch's queue is not where it was, `torch.manual_seed` itself."""
    seed = int(seed)
    cuda = torch.cuda
    tracker = getattr(cuda, "_lazy_seed_tracker", None)
    if (sys.platform != "linux" or cuda.is_initialized() or not hasattr(tracker, "queue_seed_all")
            or any(getattr(backend, "_is_compiled", lambda: True)() for backend in (torch.xpu, torch.mtia))):
        torch.manual_seed(seed)
        return
    if cuda._is_compiled() and not cuda._is_in_bad_fork():
        tracker.queue_seed_all(_CudaSeed(seed), [])
    torch.default_generator.manual_seed(seed)


class _CudaSeed:
    """The callable torch.cuda.manual_seed_all queues: seed every device's generator."""

    def __init__(self, seed: int):
        self.seed = seed

    def __call__(self) -> None:
        for index in range(torch.cuda.device_count()):
            torch.cuda.default_generators[index].manual_seed(self.seed)


class _ImportFailed(Exception):
    pass


class _Missing(Exception):
    pass
