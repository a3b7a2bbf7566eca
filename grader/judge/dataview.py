"""What of MNIST a submission may read: the training set and the test images, not the test labels.

The judge keeps the held-out labels. The view it hands to the sandbox holds the real training
files and test images, and test-label files of the right format whose labels are all zero, so
that a student's `make_loaders` (torchvision's MNIST) still opens the test split.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
from pathlib import Path

from grader import data

REDACTED = "t10k-labels-idx1-ubyte"
TEST_COUNT = 10_000


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def submission_view(real_root: Path, folder: Path) -> Path:
    """Build (or reuse) the view under `folder`; returns a data root for the submission."""
    data.ensure_extracted(real_root)
    source, raw = data.raw_dir(real_root), data.raw_dir(folder)
    raw.mkdir(parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        if entry.is_file() and not entry.name.startswith(REDACTED) and not (raw / entry.name).exists():
            _link_or_copy(entry, raw / entry.name)
    zeros = struct.pack(">II", 2049, TEST_COUNT) + bytes(TEST_COUNT)
    (raw / REDACTED).write_bytes(zeros)
    (raw / f"{REDACTED}.gz").write_bytes(gzip.compress(zeros, mtime=0))
    _share_decoded(real_root.resolve(), folder.resolve())
    return folder


def _share_decoded(real_root: Path, view: Path) -> None:
    """The real root's decoded uint8 caches of what a submission may read, linked into the view,
    so that a new view (one per batch) is not decoded from the archives again. A linked archive
    keeps its size and mtime, which is what `data.decoded` checks a cache against."""
    for split, part in data.SUBMISSION_PARTS:
        data.decoded(real_root, split, part)    # writes the real root's cache if it can
        source, target = data.cache_path(real_root, split, part), data.cache_path(view, split, part)
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(source, target)
