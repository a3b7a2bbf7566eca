"""Tests for grader.data: finding, verifying, seeding and loading MNIST, all offline."""

from pathlib import Path

import pytest
import torch

from grader import data

REAL_RAW = data.shared_raw_dir()
needs_real_mnist = pytest.mark.skipif(
    not all((REAL_RAW / name).is_file() for name in data.MNIST_FILES),
    reason=f"the shared MNIST files are not at {REAL_RAW}",
)


def make_root(root: Path, *, damaged: str | None = None, only: tuple[str, ...] = tuple(data.MNIST_FILES)) -> Path:
    """A data root whose MNIST/raw/ links to the real files; `damaged` is a truncated copy instead."""
    raw = data.raw_dir(root)
    raw.mkdir(parents=True)
    for name in only:
        if name == damaged:
            (raw / name).write_bytes((REAL_RAW / name).read_bytes()[:1000])
        else:
            (raw / name).symlink_to(REAL_RAW / name)
    return root


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty fake repository with no shared copy and no data environment variables."""
    root = tmp_path / "repo"
    root.mkdir()
    monkeypatch.setattr(data, "PROJECT_ROOT", root)
    monkeypatch.setenv("GRADER_SHARED_DATA", str(tmp_path / "no-shared-copy"))
    monkeypatch.delenv("GRADER_DATA", raising=False)
    monkeypatch.delenv("GRADER_ALLOW_DOWNLOAD", raising=False)

    def no_network(root):
        raise AssertionError("tried to download")

    monkeypatch.setattr(data, "download_mnist", no_network)
    return root


# ---------------------------------------------------------------- finding and verifying


@needs_real_mnist
def test_truncated_file_is_reported_by_name(project, tmp_path):
    make_root(tmp_path / "mine", damaged="train-labels-idx1-ubyte.gz")
    with pytest.raises(data.MissingDataset, match=r"train-labels-idx1-ubyte\.gz is damaged"):
        data.data_root(tmp_path / "mine")


@needs_real_mnist
def test_search_order_is_explicit_then_env_then_project(project, tmp_path, monkeypatch):
    explicit, from_env = make_root(tmp_path / "explicit"), make_root(tmp_path / "env")
    make_root(project / "datasets")
    monkeypatch.setenv("GRADER_DATA", str(from_env))

    assert data.data_root(explicit) == explicit
    assert data.data_root() == from_env
    monkeypatch.delenv("GRADER_DATA")
    assert data.data_root() == project / "datasets"
    # A place without the files is skipped, not fatal: every verified copy holds the same bytes.
    assert data.data_root(tmp_path / "empty") == project / "datasets"


@needs_real_mnist
@pytest.mark.parametrize("point_at", ["raw folder", "data root"])
def test_seeds_project_folder_from_shared_copy(project, tmp_path, monkeypatch, point_at):
    shared = make_root(tmp_path / "shared")
    monkeypatch.setenv("GRADER_SHARED_DATA", str(data.raw_dir(shared) if point_at == "raw folder" else shared))
    seeded = data.raw_dir(project / "datasets")
    seeded.mkdir(parents=True)
    (seeded / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a download")

    assert data.data_root() == project / "datasets"
    for name, md5 in data.MNIST_FILES.items():
        assert not (seeded / name).is_symlink()
        assert data.md5_of(seeded / name) == md5
    assert sorted(p.name for p in seeded.iterdir()) == sorted(data.MNIST_FILES)  # no temporary files left


def test_missing_dataset_message_says_where_and_how(project):
    with pytest.raises(data.MissingDataset) as caught:
        data.data_root()
    message = str(caught.value)
    assert "\n" not in message
    assert str(project / "datasets" / "MNIST" / "raw") in message
    assert "no-shared-copy" in message
    for hint in ("GRADER_DATA", "GRADER_ALLOW_DOWNLOAD=1", "train-images-idx3-ubyte.gz"):
        assert hint in message


@needs_real_mnist
def test_download_only_when_allowed(project, monkeypatch):
    downloads = []

    def fake_download(root):
        downloads.append(root)
        make_root(root)

    monkeypatch.setattr(data, "download_mnist", fake_download)
    with pytest.raises(data.MissingDataset):
        data.data_root()
    monkeypatch.setenv("GRADER_ALLOW_DOWNLOAD", "1")
    assert data.data_root() == project / "datasets"
    assert downloads == [project / "datasets"]


def test_failed_download_is_explained(project, monkeypatch):
    def offline(root):
        raise OSError("no network")

    monkeypatch.setattr(data, "download_mnist", offline)
    with pytest.raises(data.MissingDataset, match="allowed, but failed with: no network"):
        data.data_root(allow_download=True)


# ---------------------------------------------------------------- loading


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    """The real files, linked into a writable root so the caches have somewhere to go."""
    root = make_root(tmp_path_factory.mktemp("mnist"))
    data.ensure_extracted(root)
    return root


@needs_real_mnist
def test_ensure_extracted_lets_torchvision_load_offline_and_is_idempotent(real_root):
    from torchvision.datasets import MNIST

    unpacked = data.raw_dir(real_root) / "t10k-images-idx3-ubyte"
    before = unpacked.stat().st_mtime_ns
    assert data.ensure_extracted(real_root) == real_root
    assert unpacked.stat().st_mtime_ns == before
    assert len(MNIST(real_root, train=False, download=False)) == 10_000

    unpacked.write_bytes(b"interrupted")  # e.g. a killed torchvision extraction
    data.ensure_extracted(real_root)
    assert len(MNIST(real_root, train=False, download=False)) == 10_000


@needs_real_mnist
@pytest.mark.parametrize("split, size, indices", [("train", 60_000, [0, 1, 59_999]), ("test", 10_000, [0, 1, 9_999])])
def test_load_mnist_matches_torchvision(real_root, split, size, indices):
    from torchvision.datasets import MNIST
    from torchvision.transforms import ToTensor

    images, labels = data.load_mnist(real_root, split)
    assert images.shape == (size, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (size,) and labels.dtype == torch.int64
    assert images.min() == 0 and images.max() == 1
    assert set(labels.unique().tolist()) == set(range(10))

    reference = MNIST(real_root, train=(split == "train"), download=False, transform=ToTensor())
    for i in indices:
        image, label = reference[i]
        assert torch.equal(images[i], image)
        assert labels[i].item() == label


@needs_real_mnist
def test_disk_cache_is_used_and_results_are_fresh_copies(real_root, monkeypatch):
    first, _ = data.load_mnist(real_root, "test")
    assert (real_root / "MNIST" / "grader-cache" / "test-images.pt").is_file()

    data.decoded.cache_clear()  # as in a new process

    def no_decoding(archive):
        raise AssertionError("decoded the archive again instead of using the disk cache")

    monkeypatch.setattr(data, "read_idx", no_decoding)
    images, labels = data.load_mnist(real_root, "test")
    assert torch.equal(images, first)

    images.zero_(), labels.zero_()  # a careless caller must not change what the next one gets
    images, labels = data.load_mnist(real_root, "test")
    assert images.max() == 1 and labels.max() == 9


@needs_real_mnist
def test_a_slice_loads_the_same_values_and_stays_fresh(real_root):
    images, labels = data.load_mnist(real_root, "train")
    for start, stop in ((100, 105), (-6000, None), (59_998, 60_000)):
        part, part_labels = data.load_mnist(real_root, "train", start, stop)
        assert torch.equal(part, images[start:stop]) and torch.equal(part_labels, labels[start:stop])
    part.zero_(), part_labels.zero_()  # the slice is a copy: the cached data is untouched
    assert torch.equal(data.load_mnist_images(real_root, "train", 59_998), images[59_998:])


@needs_real_mnist
def test_images_load_without_labels(tmp_path):
    root = make_root(tmp_path, only=("t10k-images-idx3-ubyte.gz",))
    assert data.load_mnist_images(root, "test").shape == (10_000, 1, 28, 28)
    assert not (root / "MNIST" / "grader-cache" / "test-labels.pt").exists()
    with pytest.raises(ValueError, match="split"):
        data.load_mnist_images(root, "validation")


# ---------------------------------------------------------------- batching


def order_of(loader):
    return torch.cat([labels for _, labels in loader]).tolist()


def test_tensor_loader_order_depends_only_on_seed():
    images, labels = torch.zeros(100, 1, 28, 28), torch.arange(100)
    rng_before = torch.get_rng_state()

    assert order_of(data.tensor_loader(images, labels, 32, shuffle=True, seed=1)) == order_of(
        data.tensor_loader(images, labels, 32, shuffle=True, seed=1)
    )
    assert order_of(data.tensor_loader(images, labels, 32, shuffle=True, seed=1)) != order_of(
        data.tensor_loader(images, labels, 32, shuffle=True, seed=2)
    )
    assert order_of(data.tensor_loader(images, labels, 32, shuffle=False)) == list(range(100))
    assert torch.equal(torch.get_rng_state(), rng_before)  # the global RNG is left alone

    batch_images, batch_labels = next(iter(data.tensor_loader(images, labels, 32, shuffle=False)))
    assert batch_images.shape == (32, 1, 28, 28) and batch_labels.shape == (32,)
