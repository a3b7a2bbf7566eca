"""The one way checks reach a submission.

A check never imports a student's module. It asks a handle to call a function, build an
object, read an attribute, or run a named probe, and gets back plain values: numbers,
strings, containers, NumPy arrays and `TensorSnap`s; anything else stays on the submission
side as a `Ref` that can be passed back in later calls. `LocalHandle` answers in-process (a
student's own `pytest` run, and the reference solution); the batch judge swaps in a handle
whose submission side is an isolated process. Both speak the same encoded protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader import codec
from grader.codec import Ref, TensorSnap
from grader.i18n import tr
from grader.session import Session, answer

__all__ = ["Handle", "LocalHandle", "Ref", "TensorSnap", "SubmissionError", "NotStarted",
           "StudentException", "MissingName", "ImportFailed", "NoAnswer"]


class SubmissionError(Exception):
    """The submission could not give an answer. `message` is written for the student."""

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotStarted(SubmissionError):
    """The TODO still raises the stub's NotImplementedError."""


class StudentException(SubmissionError):
    """The student's code raised an exception: its type name, message and the student's line (the
    call site), kept apart so the runner can name the likely cause (grader/diagnosis.py)."""

    def __init__(self, message: str, error_type: str = "", error_message: str = "", line: str | None = None,
                 where: str = ""):
        super().__init__(message)
        self.error_type, self.error_message, self.line, self.where = error_type, error_message, line, where


class MissingName(SubmissionError):
    """The function or class is not in the student's file."""


class ImportFailed(SubmissionError):
    """The student's file could not be imported at all."""


class NoAnswer(SubmissionError):
    """The submission's process hung, crashed or hit a limit; `limit` names which."""

    def __init__(self, message: str, limit: str | None = None):
        super().__init__(message)
        self.limit = limit


def error_from_reply(error: dict, filename: str) -> SubmissionError:
    kind = error.get("kind")
    where = tr(" (at {where})", where=error["where"]) if error.get("where") else ""
    if kind == "missing":
        return MissingName(tr("{filename} has no `{name}`. Keep the name and signature from the stub.",
                              filename=filename, name=error["name"]))
    if kind == "import":
        return ImportFailed(tr("{filename} could not be imported: {error}{where}. "
                               "Fix this first; no TODO can be graded until the file imports.",
                               filename=filename, error=f"{error['type']}: {error['message']}", where=where))
    if kind == "raised" and error.get("not_started"):
        todo = error.get("todo")
        return NotStarted(tr("TODO {todo} is not started yet.", todo=todo) if todo
                          else tr("This TODO is not started yet."))
    if kind == "raised":
        return StudentException(tr("Your code raised {error}{where}", error=f"{error['type']}: {error['message']}",
                                   where=where), str(error.get("type") or ""), str(error.get("message") or ""),
                                error.get("line") if isinstance(error.get("line"), str) else None, where)
    return SubmissionError(tr("The result could not be read: {problem}",
                              problem=error.get("message") or tr("unknown problem")))


class Handle:
    """Calls into one lesson module of one submission. Subclasses provide `_exchange`."""

    filename: str = "the lesson file"
    max_reply_bytes: int | None = None    # a tensor or array in a reply may not declare more
    import_failure: str = ""      # set once the file was found not to import

    def _exchange(self, request: dict, buffers: list[bytes]) -> tuple[dict, list[bytes]]:
        raise NotImplementedError

    def _request(self, op: str, name: str | None = None, *, args=(), kwargs=None,
                 target: Ref | None = None, value: Any = None, keep: bool = False) -> Any:
        payload = codec.encode({"args": list(args), "kwargs": dict(kwargs or {}),
                                "target": target, "value": value})
        reply, buffers = self._exchange(
            {"op": op, "name": name, "keep": keep, "payload": payload.tree}, payload.buffers)
        if "error" in reply:
            error = error_from_reply(reply["error"], self.filename)
            if isinstance(error, ImportFailed):
                self.import_failure = error.message    # the lesson's problem, said once by the judge
            raise error
        return self._decode(reply.get("value"), buffers)

    def _decode(self, tree: Any, buffers: list) -> Any:
        return codec.decode(codec.Encoded(tree, buffers), as_snapshots=True, max_bytes=self.max_reply_bytes)

    def call(self, name: str, *args, keep: bool = False, **kwargs) -> Any:
        """Call the submission's `name(*args, **kwargs)`; `keep=True` returns a Ref to the result."""
        return self._request("call", name, args=args, kwargs=kwargs, keep=keep)

    def method(self, target: Ref, name: str, *args, keep: bool = False, **kwargs) -> Any:
        return self._request("method", name, args=args, kwargs=kwargs, target=target, keep=keep)

    def new(self, value: Any) -> Ref:
        """Place a value (a tensor, say) on the submission side, to be changed in place there."""
        return self._request("new", value=value, keep=True)

    def fetch(self, target: Ref) -> Any:
        """The current state of a Ref'd value, e.g. a tensor after an in-place update."""
        return self._request("fetch", target=target)

    def probe(self, name: str, *args, keep: bool = False, **kwargs) -> Any:
        """Run one of `grader.probes` on the submission side: it gathers facts, never verdicts."""
        return self._request("probe", name, args=args, kwargs=kwargs, keep=keep)

    def seed(self, seed: int) -> None:
        self._request("seed", value=seed)

    def release(self, target: Ref) -> None:
        self._request("release", str(target.id))

    def begin_check(self) -> None:
        """Called before each check: objects kept for earlier checks are let go (a lesson's
        models would otherwise pile up), and an isolated handle may restart a process that died."""

    def close(self) -> None:
        pass


class LocalHandle(Handle):
    """Runs the module in this process, through the same encoding as the isolated judge."""

    def __init__(self, source: Path, display_name: str | None = None):
        self.source = Path(source)
        self.filename = display_name or self.source.name
        self.session = Session(self.source)

    def _exchange(self, request, buffers):
        return answer(self.session, request, buffers)

    def begin_check(self) -> None:
        self.session.forget_objects()
