"""The reference without `solutions/`: its answers, recorded at release and replayed.

A released student repository has no solutions, yet many checks compare with the reference
(`t.ref`). At release, `RecordingHandle` wraps the real reference and stores each
request -> reply while every lesson's checks run (against the reference itself, the stubs and the
catalogued mistakes) with the course seed on the CPU. In the student's repository,
`RecordedHandle` answers the same requests from that data. Checks that never ask the reference
(gradcheck, autograd state, in-place updates, MNIST accuracy) run live as before.

What makes replay exact:

- A request is keyed by the check it belongs to (check id, device, per-check seed), a sha256 of
  its canonical header JSON and buffers, and how many times that same request was made before
  in this check (stateful calls such as ten `backprop_step`s in a row give different answers).
- Objects that stay on the reference side (`Ref`s) get ids numbered per check, so a check's
  requests do not depend on which checks ran before it (`pytest -k one_check` replays too).
- Hypothesis is derandomized, so its generate phase asks the same questions every run; its
  shrink phase, after a student's failure, would ask new ones, so replay (and recording, to
  match) run without it: the first failing example is reported instead of the smallest. Nor may
  its examples depend on the constants in whatever modules are loaded (`replayable_hypothesis`).
- Absolute paths to the MNIST folder are replaced by a placeholder in keys.

A request that was not recorded raises `NotRecorded` (the check reads "error", never a guess).
The answers are stored as values, not hashes: checks compare floats within tolerances, which a
hash cannot do, and a failing check's message shows the expected value anyway.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import Phase, settings

from grader import codec, strategies
from grader.classroom.integrity import ANSWERS_DIR, MANIFEST_NAME
from grader.handle import Handle, LocalHandle
from grader.lesson import Lesson

FORMAT = 1
MNIST_PLACEHOLDER = "<MNIST data folder>"


class NotRecorded(Exception):
    """The recorded reference has no answer for this request."""


# ---------------------------------------------------------------- keys


def _normalize(node: Any) -> Any:
    """The request tree as keyed: machine-specific MNIST paths replaced by a placeholder."""
    if isinstance(node, str):
        if os.path.isabs(node) and (Path(node) / "MNIST" / "raw").is_dir():
            return MNIST_PLACEHOLDER
        return node
    if isinstance(node, dict):
        if codec.is_data(node):
            return node
        return {k: _normalize(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    return node


def request_key(request: dict, buffers: list[bytes]) -> str:
    digest = hashlib.sha256(json.dumps(_normalize(request), sort_keys=True, separators=(",", ":"),
                                       allow_nan=False).encode())
    for buffer in buffers:
        digest.update(hashlib.sha256(buffer).digest())
    return digest.hexdigest()[:32]


def context_of(check_id: str, device: str, seed: int) -> str:
    return f"{check_id}[{device}]@{seed}"


def _map_refs(node: Any, mapping) -> Any:
    """Copy of an encoded tree with every {"ref": id, ...} node's id passed through `mapping`."""
    if isinstance(node, dict):
        if "ref" in node:
            return {**node, "ref": mapping(int(node["ref"]))}
        return {k: _map_refs(v, mapping) for k, v in node.items()}
    if isinstance(node, list):
        return [_map_refs(v, mapping) for v in node]
    return node


# ---------------------------------------------------------------- the stored answers


class AnswerStore:
    """Replies per (context, request key), in the order they were given; buffers deduplicated."""

    def __init__(self, lesson: str, meta: dict | None = None):
        self.lesson = lesson
        self.meta = dict(meta or {})
        self.entries: dict[str, dict[str, list[int]]] = defaultdict(dict)
        self.replies: list[dict] = []
        self._reply_index: dict[str, int] = {}
        self.blobs: list[bytes] = []
        self._blob_index: dict[str, int] = {}
        self.conflicts: list[str] = []

    # --- writing ---------------------------------------------------------
    def _blob(self, data: bytes) -> int:
        digest = hashlib.sha256(data).hexdigest()
        if digest not in self._blob_index:
            self._blob_index[digest] = len(self.blobs)
            self.blobs.append(bytes(data))
        return self._blob_index[digest]

    def _reply(self, reply: dict, buffers: list[bytes]) -> int:
        entry = {"r": reply, "b": [self._blob(b) for b in buffers]}
        digest = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
        if digest not in self._reply_index:
            self._reply_index[digest] = len(self.replies)
            self.replies.append(entry)
        return self._reply_index[digest]

    def add(self, context: str, key: str, occurrence: int, reply: dict, buffers: list[bytes]) -> None:
        index = self._reply(reply, buffers)
        seen = self.entries[context].setdefault(key, [])
        if occurrence < len(seen):
            if seen[occurrence] != index:   # the reference answered the same question differently
                self.conflicts.append(f"{context} request {key} (occurrence {occurrence + 1})")
        elif occurrence == len(seen):
            seen.append(index)

    # --- reading ---------------------------------------------------------
    def lookup(self, context: str, key: str, occurrence: int) -> tuple[dict, list[bytes]] | None:
        seen = self.entries.get(context, {}).get(key)
        if not seen:
            return None
        if occurrence < len(seen):
            index = seen[occurrence]
        elif len(set(seen)) == 1:          # a pure call asked again (e.g. hypothesis replaying a failure)
            index = seen[0]
        else:
            return None
        entry = self.replies[index]
        return entry["r"], [self.blobs[b] for b in entry["b"]]

    def __len__(self) -> int:
        return sum(len(v) for v in self.entries.values())

    # --- files -----------------------------------------------------------
    def save(self, folder: Path) -> list[Path]:
        """lessonNN.json.gz (index and replies) and lessonNN.bin (the buffers, back to back)."""
        folder.mkdir(parents=True, exist_ok=True)
        offsets, position = [], 0
        for blob in self.blobs:
            offsets.append([position, len(blob)])
            position += len(blob)
        document = {"format": FORMAT, "lesson": self.lesson, "meta": self.meta,
                    "entries": {c: dict(sorted(k.items())) for c, k in sorted(self.entries.items())},
                    "replies": self.replies, "blobs": offsets}
        index_path, blob_path = folder / f"{self.lesson}.json.gz", folder / f"{self.lesson}.bin"
        text = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        index_path.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
        blob_path.write_bytes(gzip.compress(b"".join(self.blobs), compresslevel=6, mtime=0))
        return [index_path, blob_path]

    @classmethod
    def load(cls, folder: Path, lesson: str) -> AnswerStore:
        document = json.loads(gzip.decompress((folder / f"{lesson}.json.gz").read_bytes()))
        if document.get("format") != FORMAT:
            raise ValueError(f"recorded answers for {lesson} are in format {document.get('format')}, "
                             f"this grader reads format {FORMAT}")
        raw = gzip.decompress((folder / f"{lesson}.bin").read_bytes())
        store = cls(lesson, document.get("meta"))
        store.entries = defaultdict(dict, document["entries"])
        store.replies = document["replies"]
        store.blobs = [raw[start:start + size] for start, size in document["blobs"]]
        return store


# ---------------------------------------------------------------- handles


class _PerCheck(Handle):
    """Shared by recording and replay: the current check's context and request counts."""

    def __init__(self, filename: str):
        self.filename = filename
        self.context: str | None = None
        self._counts: dict[str, int] = defaultdict(int)

    def enter_check(self, check_id: str, device: str, seed: int) -> None:
        self.context = context_of(check_id, device, seed)
        self._counts = defaultdict(int)
        self._entered()

    def _entered(self) -> None:
        pass

    def _next(self, request: dict, buffers: list[bytes]) -> tuple[str, int]:
        key = request_key(request, buffers)
        occurrence = self._counts[key]
        self._counts[key] += 1
        return key, occurrence


class RecordingHandle(_PerCheck):
    """The real reference, with every reply stored in an `AnswerStore`."""

    def __init__(self, inner: Handle, store: AnswerStore):
        super().__init__(inner.filename)
        self.inner, self.store = inner, store
        self._to_real: dict[int, int] = {}
        self._to_local: dict[int, int] = {}

    def _entered(self) -> None:
        self._to_real, self._to_local = {}, {}

    def _local(self, real: int) -> int:
        if real not in self._to_local:
            local = len(self._to_local) + 1
            self._to_local[real], self._to_real[local] = local, real
        return self._to_local[real]

    def _real(self, local: int) -> int:
        return self._to_real.get(local, -local)   # an id this check never got: unknown on the other side too

    def _exchange(self, request, buffers):
        if self.context is None:
            raise RuntimeError("RecordingHandle used outside a check (bind the lesson with bind_lesson)")
        key, occurrence = self._next(request, buffers)
        real_request = _map_refs(request, self._real)
        if request.get("op") == "release" and str(request.get("name", "")).isdigit():
            real_request["name"] = str(self._real(int(request["name"])))
        reply, reply_buffers = self.inner._exchange(real_request, buffers)
        reply = _map_refs(reply, self._local)
        self.store.add(self.context, key, occurrence, reply, list(reply_buffers))
        return reply, reply_buffers

    def close(self) -> None:
        self.inner.close()


class RecordedHandle(_PerCheck):
    """The reference as recorded at release: answers only what was asked then."""

    def __init__(self, store: AnswerStore, filename: str):
        super().__init__(filename)
        self.store = store

    def _exchange(self, request, buffers):
        if self.context is None:
            raise NotRecorded("the recorded reference answers only inside a check (bind the lesson first)")
        key, occurrence = self._next(request, buffers)
        found = self.store.lookup(self.context, key, occurrence)
        if found is None:
            meta = self.store.meta
            raise NotRecorded(
                f"This check needs the reference's answer for a request that was not recorded at release "
                f"({request.get('op')} {request.get('name') or ''}, check {self.context}). The answers were "
                f"recorded on the CPU with seed {meta.get('seed')} and hypothesis {meta.get('hypothesis')}; "
                "another --grader-seed, --device cuda or hypothesis version asks other questions. Otherwise "
                "your code took a path the release did not foresee: the official grading (with the "
                "reference itself) decides this check.")
        reply, buffers = found
        return reply, list(buffers)


# ---------------------------------------------------------------- wiring


def bind_lesson(lesson: Lesson) -> Lesson:
    """A copy of `lesson` whose checks tell a recording/recorded reference which check is running."""
    def wrap(check):
        original = check.fn

        @functools.wraps(original)
        def fn(trial):
            enter = getattr(trial.ref, "enter_check", None)
            if enter is not None:
                enter(check.id, trial.device, trial.seed)
            return original(trial)
        return dataclasses.replace(check, fn=fn)
    return dataclasses.replace(lesson, checks=[wrap(c) for c in lesson.checks])


def replayable_hypothesis() -> None:
    """Make hypothesis ask the same questions in the student's process as at release.

    - Generate only: no shrink or explain phase (they ask new questions after a failure).
    (Constants from "local" modules are kept out of examples for all grading: see
    `grader.strategies._without_local_constants`.)
    """
    wanted = (Phase.explicit, Phase.reuse, Phase.generate)
    if tuple(strategies.GRADING.phases) != wanted:
        strategies.GRADING = settings(strategies.GRADING, phases=wanted)


def available(lesson_id: str, folder: Path = ANSWERS_DIR) -> bool:
    return (folder / f"{lesson_id}.json.gz").is_file() and (folder / f"{lesson_id}.bin").is_file()


def recorded_reference(lesson: Lesson, folder: Path = ANSWERS_DIR) -> tuple[RecordedHandle, Lesson]:
    """The replaying reference for `lesson` and the lesson bound to it (hypothesis set to replay)."""
    replayable_hypothesis()
    store = AnswerStore.load(folder, lesson.id)
    return RecordedHandle(store, f"the recorded reference for {lesson.filename}"), bind_lesson(lesson)


def reference_for(lesson: Lesson, solutions: Path | None, *, explicit: bool = False):
    """(reference handle, lesson to run, description): the live reference when `solutions` has the
    lesson, else the recorded one. `explicit`: the solutions folder was asked for by name, so its
    absence is an error rather than a reason to replay. In a released repository (it has a release
    manifest) only an explicit folder replaces the recorded answers."""
    path = Path(solutions) / lesson.id / lesson.filename if solutions is not None else None
    released = (ANSWERS_DIR / MANIFEST_NAME).is_file()
    # in a released repository a solutions/ folder that appeared later is not the reference
    if path is not None and path.exists() and (explicit or not released):
        return LocalHandle(path), lesson, f"reference {path}"
    if explicit:
        raise FileNotFoundError(f"the reference for {lesson.id} is missing at {path}")
    if available(lesson.id):
        handle, bound = recorded_reference(lesson)
        return handle, bound, "recorded reference answers (no solutions/ here)"
    where = f" at {path}" if path is not None else ""
    raise FileNotFoundError(f"the reference for {lesson.id} is missing{where}, and no recorded answers "
                            f"are in {ANSWERS_DIR}")
