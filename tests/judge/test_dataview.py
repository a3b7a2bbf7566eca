"""The submission's view of MNIST: the training set and the test images, never the test labels,
and the judge's decoded copies shared into it so that a new view (one per batch) is not decoded
from the archives again."""

import shutil

import torch

from grader import data
from grader.judge.dataview import submission_view


def real_copy(tmp_path):
    """A writable data root with the real archives (the caches have somewhere to go)."""
    raw = data.raw_dir(tmp_path / "real")
    raw.mkdir(parents=True)
    for name in data.MNIST_FILES:
        shutil.copy2(data.raw_dir(data.data_root()) / name, raw / name)
    return tmp_path / "real"


def test_the_view_holds_what_a_submission_may_read_and_no_test_labels(tmp_path):
    real = real_copy(tmp_path)
    view = submission_view(real, tmp_path / "view")
    shared = sorted(p.name for p in (view / "MNIST" / "grader-cache").iterdir())
    assert shared == ["test-images.pt", "train-images.pt", "train-labels.pt"]
    assert data.load_mnist_labels(view, "test").count_nonzero() == 0
    assert data.load_mnist_labels(real, "test").count_nonzero() > 0


def test_a_new_view_reads_the_shared_decoded_copies_with_the_same_values(tmp_path, monkeypatch):
    real = real_copy(tmp_path)
    submission_view(real, tmp_path / "first")      # decodes the archives once, into the real root's cache
    view = submission_view(real, tmp_path / "second")
    data.decoded.cache_clear()                     # as in the zygote, a new process

    def no_decoding(archive):
        raise AssertionError(f"decoded {archive.name} again instead of using the shared copy")

    monkeypatch.setattr(data, "read_idx", no_decoding)
    data.preload(view)
    images, labels = data.load_mnist(view, "train", 0, 500)
    monkeypatch.undo()
    data.decoded.cache_clear()
    expected_images, expected_labels = data.load_mnist(data.data_root(), "train", 0, 500)
    assert torch.equal(images, expected_images) and torch.equal(labels, expected_labels)
    assert torch.equal(data.load_mnist_images(view, "test", 0, 50), data.load_mnist_images(real, "test", 0, 50))
