"""What makes a re-run skip a (student, lesson): the same lesson files and the same settings.

Every setting that can change points is in `settings_of`: the checks and the grader's version,
the seed, the device, the language, the time and memory limits and the course file (deadlines).
"""

from __future__ import annotations

import hashlib
import json


def settings_of(options, checks: str, course_digest: str = "") -> dict:
    """The settings an attempt was graded with (recorded with it; the seed is kept apart)."""
    return {"checks": checks, "device": options.device, "lang": options.lang or "en",
            "call_timeout": options.call_timeout, "lesson_timeout": options.lesson_timeout,
            "memory_mb": options.memory_mb, "course": course_digest}


def job_fingerprint(job, settings: dict, seed: int) -> str:
    digest = hashlib.sha256(json.dumps([settings, seed, job.lesson, job.refused], sort_keys=True).encode())
    for path in ([job.source] if job.source else []) + list(job.checkpoints):
        digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
