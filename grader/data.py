"""Find and load MNIST, offline first.

    root = data_root()                          # a folder with MNIST/raw/*.gz, MD5-verified
    images, labels = load_mnist(root, "test")   # float32 (N,1,28,28) in [0,1], int64 (N,)
    ensure_extracted(root)                      # lets torchvision.datasets.MNIST(root) load offline

Where data_root() looks, in order: the explicit argument, $GRADER_DATA, <repo>/datasets.
If none has the four files it copies them from the shared folder (<repo>/../shared/datasets/
MNIST/raw or $GRADER_SHARED_DATA) into <repo>/datasets, and only downloads when allowed.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from grader.i18n import tr
from grader.writers.atomic import atomic_path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent

MNIST_FILES: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

SPLIT_PREFIX = {"train": "train", "test": "t10k"}


class MissingDataset(RuntimeError):
    """No complete, undamaged copy of MNIST was found, and downloading was not allowed (or failed)."""


# ---------------------------------------------------------------- where the files live

def raw_dir(root: str | Path) -> Path:
    """The folder torchvision's MNIST reads: <root>/MNIST/raw."""
    return Path(root) / "MNIST" / "raw"


def project_data_dir() -> Path:
    return PROJECT_ROOT / "datasets"


def shared_raw_dir() -> Path:
    override = os.environ.get("GRADER_SHARED_DATA")
    if not override:
        return PROJECT_ROOT.parent / "shared" / "datasets" / "MNIST" / "raw"
    # Accept both the folder holding the four files and a data root above it (like GRADER_DATA).
    override = Path(override).expanduser()
    return raw_dir(override) if raw_dir(override).is_dir() else override


def md5_of(path: Path) -> str:
    stat = path.stat()
    return _md5_of_file(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.cache
def _md5_of_file(path: str, mtime_ns: int, size: int) -> str:
    # mtime and size are part of the cache key, so a replaced or truncated file is hashed again.
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_verified(path: Path) -> bool:
    return path.is_file() and md5_of(path) == MNIST_FILES[path.name]


def problems_in(raw: Path) -> list[str]:
    """What is wrong with the four files in `raw`; empty when all are present and verified."""
    if not raw.is_dir():
        return [tr("the folder does not exist")]
    missing = [name for name in MNIST_FILES if not (raw / name).is_file()]
    damaged = [name for name in MNIST_FILES if name not in missing and not is_verified(raw / name)]
    if len(missing) == len(MNIST_FILES):
        return [tr("none of the four files are there")]
    return [tr("{name} is missing", name=name) for name in missing] + [
        tr("{name} is damaged (its MD5 checksum is wrong)", name=name) for name in damaged
    ]


# ---------------------------------------------------------------- finding (or fetching) the data

def data_root(explicit: str | Path | None = None, *, allow_download: bool | None = None) -> Path:
    """A folder whose MNIST/raw/ holds the four original MNIST archives, MD5-verified.

    Any verified copy is byte-for-byte the same data, so falling through to the next place is safe.
    """
    if allow_download is None:
        allow_download = os.environ.get("GRADER_ALLOW_DOWNLOAD") == "1"

    places = []
    if explicit is not None:
        places.append((tr("the folder passed in"), explicit))
    if os.environ.get("GRADER_DATA"):
        places.append(("GRADER_DATA", os.environ["GRADER_DATA"]))
    places.append((tr("the project's data folder"), project_data_dir()))

    looked = []
    for label, root in places:
        root = Path(root).expanduser().resolve()
        problems = problems_in(raw_dir(root))
        if not problems:
            return root
        looked.append((f"{raw_dir(root)} ({label})", problems))

    project = project_data_dir().resolve()
    shared = shared_raw_dir()
    if shared.is_dir():
        copy_verified_files(shared, raw_dir(project))
        if not problems_in(raw_dir(project)):
            return project
    looked.append((tr("{folder} (the shared copy)", folder=shared), problems_in(shared)))

    if not allow_download:
        raise MissingDataset(missing_message(looked))
    try:
        download_mnist(project)
    except Exception as error:  # torchvision raises RuntimeError, URLError, OSError, ...
        raise MissingDataset(missing_message(looked, download_error=error)) from error
    problems = problems_in(raw_dir(project))
    if problems:
        looked.append((tr("{folder} (after downloading)", folder=raw_dir(project)), problems))
        raise MissingDataset(missing_message(looked))
    return project


def copy_verified_files(source: Path, target: Path) -> None:
    """Copy each good file in `source` that is missing or damaged in `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES:
        if is_verified(source / name) and not is_verified(target / name):
            with atomic_path(target / name) as temporary:
                shutil.copyfile(source / name, temporary)  # not copy2: the shared files are read-only


def download_mnist(root: Path) -> None:
    import torchvision  # imported here: it is slow to import and usually not needed

    torchvision.datasets.MNIST(root, train=True, download=True)


def missing_message(looked: list[tuple[str, list[str]]], download_error: Exception | None = None) -> str:
    where = "; ".join(f"{place}: {', '.join(problems)}" for place, problems in looked)
    if download_error is None:
        download = tr("or fetch them (about 11 MB, needs internet) with: {command} (the same as setting "
                      "GRADER_ALLOW_DOWNLOAD=1).", command=fetch_command())
    else:
        download = tr("or try the download again later (it was allowed, but failed with: {error}).",
                      error=download_error)
    return tr(
        "The grader needs the MNIST data set but could not find a complete, undamaged copy. "
        "It looked here -- {where}. "
        "This is easy to fix: set GRADER_DATA to a folder whose MNIST/raw/ holds the four files "
        "({files}), or copy those four files into {folder}/, {download}",
        where=where, files=", ".join(MNIST_FILES), folder=raw_dir(project_data_dir()), download=download)


def fetch_command() -> str:
    """The one command that downloads MNIST into the project's data folder, with this very Python."""
    python = Path(sys.executable or "python")
    try:
        shown = os.path.relpath(python, Path.cwd()) if python.is_absolute() else str(python)
    except ValueError:     # another drive (Windows)
        shown = str(python)
    if len(shown) > len(str(python)) or shown.startswith(".." + os.sep + ".."):
        shown = str(python)
    return f"{shown} -m grader.data"


def setup_problem(root: str | Path | None = None) -> str | None:
    """What stops the MNIST checks from running here, in one message for the student (where the
    grader looked, how to fetch or where to copy the files); None when the data is there."""
    try:
        data_root(root)
    except MissingDataset as exc:
        return tr("MNIST is missing, so this lesson's checks that need it are skipped. {details}", details=exc)
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m grader.data`: download MNIST (about 11 MB) into the project's data folder, or say why not."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m grader.data", description=main.__doc__)
    parser.add_argument("--root", default=None, help="a folder to use instead ($GRADER_DATA, then datasets/)")
    args = parser.parse_args(argv)
    try:
        root = ensure_extracted(data_root(args.root, allow_download=True))
    except MissingDataset as exc:
        print(exc, file=sys.stderr)
        return 1
    print(tr("MNIST is ready in {folder}", folder=raw_dir(root)))
    return 0


# ---------------------------------------------------------------- torchvision's layout

def ensure_extracted(root: str | Path) -> Path:
    """Make `torchvision.datasets.MNIST(root, ...)` work offline, i.e. unzip the archives in place.

    We unzip ourselves rather than via MNIST(download=True): it is quiet, and atomic, so
    parallel graders never read a half-written file. tests/test_data.py checks torchvision loads it.
    """
    root = Path(root)
    raw = raw_dir(root)
    problems = problems_in(raw)
    if problems:
        raise MissingDataset(missing_message([(str(raw), problems)]))
    for name in MNIST_FILES:
        archive, unpacked = raw / name, raw / name.removesuffix(".gz")
        if not unpacked.is_file() or unpacked.stat().st_size != gzip_unpacked_size(archive):
            with gzip.open(archive, "rb") as source, atomic_path(unpacked) as temporary:
                with open(temporary, "wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
    return root


def gzip_unpacked_size(archive: Path) -> int:
    # A gzip file ends with the unpacked size (mod 2**32); this spots a truncated extraction cheaply.
    with open(archive, "rb") as file:
        file.seek(-4, os.SEEK_END)
        return int.from_bytes(file.read(4), "little")


# ---------------------------------------------------------------- loading tensors

def load_mnist(root: str | Path, split: str, start: int | None = None,
               stop: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, labels): float32 (N,1,28,28) scaled to [0,1] exactly like ToTensor, int64 (N,);
    only those in [start, stop) (Python's slice rules) when given."""
    return load_mnist_images(root, split, start, stop), load_mnist_labels(root, split, start, stop)


def load_mnist_images(root: str | Path, split: str, start: int | None = None, stop: int | None = None) -> torch.Tensor:
    # Converted afresh on every call, so a caller that edits its tensor in place cannot
    # change what the next caller gets. div_ in place: same values as ToTensor's .div(255), faster.
    # Sliced before the conversion: a few images do not cost the 60,000's 188 MB of float32.
    return decoded(Path(root).resolve(), split, "images")[start:stop].to(torch.float32).div_(255)


def load_mnist_labels(root: str | Path, split: str, start: int | None = None, stop: int | None = None) -> torch.Tensor:
    return decoded(Path(root).resolve(), split, "labels")[start:stop].clone()


@functools.cache
def decoded(root: Path, split: str, part: str) -> torch.Tensor:
    """The raw uint8 images (N,1,28,28) or int64 labels (N,), cached in memory and on disk.

    The disk cache holds uint8, not float32: a quarter of the size, and faster to read than
    to convert. Images and labels are cached separately so images can be loaded without labels.
    """
    if split not in SPLIT_PREFIX:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    archive = raw_dir(root) / f"{SPLIT_PREFIX[split]}-{part}-idx{3 if part == 'images' else 1}-ubyte.gz"
    cache = cache_path(root, split, part)
    stat = archive.stat()
    source = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}

    try:
        saved = torch.load(cache, weights_only=True)
        if saved["source"] == source:
            return saved["tensor"]
    except Exception:  # no cache yet, or an unreadable one: decode again and overwrite it
        pass

    tensor = read_idx(archive)
    tensor = tensor.reshape(-1, 1, 28, 28) if part == "images" else tensor.long()
    try:
        cache.parent.mkdir(exist_ok=True)
        with atomic_path(cache) as temporary:
            torch.save({"source": source, "tensor": tensor}, temporary)
    except OSError:
        pass  # a read-only data folder just means no disk cache
    return tensor


def cache_path(root: Path, split: str, part: str) -> Path:
    """Where `decoded` keeps its disk cache of one part of MNIST."""
    return root / "MNIST" / "grader-cache" / f"{split}-{part}.pt"


SUBMISSION_PARTS = (("train", "images"), ("train", "labels"), ("test", "images"))   # never the test labels


def preload(root: str | Path, parts=SUBMISSION_PARTS) -> None:
    """Decode `parts` into this process's memory as uint8 (see `decoded`), converting nothing:
    a process that forks workers (the judge's zygote) pays the decoding once, and each worker
    converts to float only the images it serves."""
    for split, part in parts:
        decoded(Path(root).resolve(), split, part)


def read_idx(archive: Path) -> torch.Tensor:
    """Decode a gzipped IDX file of unsigned bytes (http://yann.lecun.com/exdb/mnist/)."""
    with gzip.open(archive, "rb") as file:
        data = file.read()
    zero, zero_too, dtype_code, ndim = data[:4]
    if (zero, zero_too, dtype_code) != (0, 0, 0x08):
        raise ValueError(f"{archive} is not an IDX file of unsigned bytes")
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return torch.from_numpy(array.reshape(shape).copy())  # copy: frombuffer's array is read-only


def tensor_loader(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, shuffle: bool, seed: int = 0
) -> DataLoader:
    """A DataLoader over (images, labels); with shuffle, the order depends only on `seed`.

    The generator is passed even without shuffle: DataLoader draws a seed from it on every
    iteration, which would otherwise come from (and advance) the global torch RNG.
    """
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=shuffle, generator=generator)


if __name__ == "__main__":
    sys.exit(main())
