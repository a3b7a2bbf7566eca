"""The reference's pure answers, computed once per judge worker and reused for every later job.

Every job of a batch runs the same checks with the same seed, so the reference is asked the same
questions again and again: `CachedReference` wraps a judge worker's live reference handle and
answers a question it has already answered from memory. Keys reuse the release's recording
(`grader.classroom.recorded.request_key`, the check's context), so a request is "the same" exactly
when the release would replay the same answer, plus what the release fixes by construction:

- the batch's scope: lesson, checks fingerprint, seed, device and solutions folder (a worker that
  is started with other options gets a new cache, see `jobs.Worker.start`);
- the check (id, device, per-check seed), via `enter_check` (`recorded.bind_lesson`);
- the request (operation, name, the encoded arguments and their buffers);
- the ambient state a computation reads: grad mode, default dtype, thread count, deterministic
  mode, and the global random generators (Python, NumPy, torch CPU, and CUDA once initialised).
  The generators are read around the first answer to a request: when the reference drew no random
  number for it (no generator moved), the answer cannot depend on them (a draw is the only way to
  read them, and with the same inputs the same path draws nothing again), so it is kept under the
  request alone; when it drew, the request is keyed by the generators' state from then on, and
  the state after the call is stored and restored on a hit, so what comes next sees the
  generators as if the reference had run.

What is cached: only `call` requests whose arguments are plain values (no `Ref` to a live object
on the reference side, no string that looks like a path) and whose reply is a
plain value (no `Ref`, no error). Those are pure answers: the reference's function is a function
of its inputs and of the ambient state above.

What is never cached, and always asked of the live reference:
- requests that name a live object (`method`, `fetch`, `release`, a `call` or `probe` with a `Ref`
  argument): their answer depends on the object's state, which the check may have changed (an
  in-place update, `vector_backward` filling `.grad`, a model trained step by step);
- a reply that is itself a `Ref` (`keep=True`, or a value the codec cannot carry): later requests
  name it, so it must exist in the live reference;
- `new`, `seed` and `probe` requests: they change state or read facts about the reference's side
  (files, modules) rather than compute a value;
- arguments that look like a path (absolute, or with a separator), the MNIST folder included:
  a file may change between jobs, and requests on MNIST build loaders (live objects) anyway;
- errors: rare, and the reference raising is worth seeing every time.

Speed, not answers: a function whose first answer came faster than its key was computed (most
calls on a few numbers) is asked live from then on (`skip_cheap`); which functions those are
depends on the machine's speed, never what any answer is.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader import codec, strategies
from grader.classroom.recorded import context_of, request_key
from grader.handle import Handle

CACHED_OPS = ("call",)


def _plain(node: Any) -> bool:
    """No `Ref` to a live object and no string that looks like a path in an encoded tree. The
    checks hand the reference paths only as absolute ones (`scratch_path`, the MNIST folder, which
    is fixed for the batch but uncached all the same: it is read by requests that build loaders)."""
    if isinstance(node, str):
        return not (os.path.isabs(node) or os.path.sep in node)
    if isinstance(node, dict):
        if codec.is_data(node):
            return True
        return "ref" not in node and all(_plain(v) for v in node.values())
    if isinstance(node, list):
        return all(_plain(v) for v in node)
    return True


def _random_state() -> tuple:
    """The global generators' state, as (digest, state to restore)."""
    state = (random.getstate(), np.random.get_state(), torch.get_rng_state(),
             torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None)
    digest = hashlib.sha256()
    digest.update(repr(state[0]).encode())
    name, keys, position, has_gauss, gauss = state[1]
    digest.update(f"{name}:{position}:{has_gauss}:{gauss!r}".encode() + np.ascontiguousarray(keys).tobytes())
    digest.update(state[2].numpy().tobytes())
    for cuda_state in state[3] or ():
        digest.update(cuda_state.numpy().tobytes())
    return digest.hexdigest(), state


def _restore_random_state(state: tuple) -> None:
    random.setstate(state[0])
    np.random.set_state(state[1])
    torch.set_rng_state(state[2])
    if state[3] is not None:
        torch.cuda.set_rng_state_all(state[3])


def _ambient() -> str:
    return json.dumps([torch.is_grad_enabled(), str(torch.get_default_dtype()), torch.get_num_threads(),
                       torch.are_deterministic_algorithms_enabled()])


class CachedReference(Handle):
    """A live reference handle whose pure answers are remembered (see the module's docstring)."""

    def __init__(self, inner: Handle, scope: dict, *, skip_cheap: bool = True):
        self.inner, self.skip_cheap = inner, skip_cheap
        self.filename = inner.filename
        self.scope = json.dumps({k: str(v) for k, v in sorted(scope.items())})
        self.context: str | None = None
        self.answers: dict[str, tuple[dict, list[bytes]]] = {}   # drew no random number
        self.drawing: dict[str, dict[str, tuple[dict, list[bytes], str, tuple]]] = {}   # by generators' state
        self.hits = self.misses = self.uncacheable = 0
        self.cheap: set[tuple] = set()   # (op, name) answered faster than looked up: asked live
        self.examples = strategies.ExampleBook()   # the checks' generated examples, in the same scope

    # the check's context, as `recorded.bind_lesson` tells it
    def enter_check(self, check_id: str, device: str, seed: int) -> None:
        self.context = context_of(check_id, device, seed)
        self.examples.enter_check(self.context)

    def begin_check(self) -> None:
        self.context = None
        self.examples.enter_check(None)
        self.inner.begin_check()

    def close(self) -> None:
        self.inner.close()

    def _cacheable(self, request: dict) -> bool:
        return (self.context is not None and request.get("op") in CACHED_OPS and not request.get("keep")
                and (request.get("op"), request.get("name")) not in self.cheap and _plain(request.get("payload")))

    def _exchange(self, request, buffers):
        if not self._cacheable(request):
            self.uncacheable += 1
            return self.inner._exchange(request, buffers)
        started = time.perf_counter()
        key = hashlib.sha256("\n".join([self.scope, self.context, _ambient(),
                                        request_key(request, buffers)]).encode()).hexdigest()
        keyed = time.perf_counter()
        if key in self.answers:
            self.hits += 1
            reply, reply_buffers = self.answers[key]
            return reply, list(reply_buffers)    # (a reply is only read: decoding builds new objects)
        before, _ = _random_state()
        if before in self.drawing.get(key, {}):
            self.hits += 1
            reply, reply_buffers, _, after_state = self.drawing[key][before]
            _restore_random_state(after_state)
            return reply, list(reply_buffers)
        self.misses += 1
        computed = time.perf_counter()
        reply, reply_buffers = self.inner._exchange(request, buffers)
        if self.skip_cheap and time.perf_counter() - computed < keyed - started:   # cheaper than its key
            self.cheap.add((request.get("op"), request.get("name")))
        if "error" not in reply and not codec.names_ref(reply.get("value")):
            after, after_state = _random_state()
            stored = copy.deepcopy(reply), [bytes(b) for b in reply_buffers]
            if after == before and key not in self.drawing:
                self.answers[key] = stored
            else:
                self.drawing.setdefault(key, {})[before] = (*stored, after, after_state)
        return reply, reply_buffers


def cached_reference(inner: Handle, *, lesson: str, checks: str, seed: int, device: str | None,
                     solutions: Path, skip_cheap: bool = True) -> CachedReference:
    return CachedReference(inner, {"lesson": lesson, "checks": checks, "seed": seed, "device": device,
                                   "solutions": solutions}, skip_cheap=skip_cheap)
