"""Intake: hostile archives are refused or defanged; every submission layout is recognised."""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from grader.judge.intake import (
    MiB,
    Submission,
    UnsafeArchive,
    copy_lesson_files,
    extract_archive,
    find_submissions,
    student_names,
)


# --- building archives ----------------------------------------------------------------------------------
def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def tar_entry(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o644
    return info


def raw_zip(path: Path, name: str, compressed: bytes, *, crc: int, compress_size: int, file_size: int,
            method: int = zipfile.ZIP_DEFLATED) -> Path:
    """A one-member zip written field by field, so that its headers can say anything."""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, compress_size, file_size,
                        len(encoded), 0) + encoded
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, 0, method, 0, 0x21, crc, compress_size,
                          file_size, len(encoded), 0, 0, 0, 0, 0o100644 << 16, 0) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(compressed), 0)
    path.write_bytes(local + compressed + central + end)
    return path


def deflated_zeros(n_mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of n MiB of zeros, built from one compressed MiB (full flushes reset the
    compressor, so every MiB compresses to the same bytes), and its CRC-32."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(n_mib):
        crc = zlib.crc32(bytes(MiB), crc)
    return one * n_mib + compressor.flush(), crc


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --- hostile archives ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../evil.py", "exercises/../../evil.py", "..\\evil.py"])
def test_zip_slip_is_refused(tmp_path, name):
    archive = make_zip(tmp_path / "slip.zip", {"exercises/lesson03/backprop.py": b"ok", name: b"pwned"})
    with pytest.raises(UnsafeArchive, match="traversal"):
        extract_archive(archive, tmp_path / "out" / "dest")
    assert not (tmp_path / "out" / "evil.py").exists() and not (tmp_path / "evil.py").exists()
    assert not (tmp_path / "out" / "dest").exists()


@pytest.mark.parametrize("name", ["/tmp/grader-intake-evil.py", "C:/evil.py"])
def test_absolute_paths_are_refused(tmp_path, name):
    with pytest.raises(UnsafeArchive, match="absolute"):
        extract_archive(make_zip(tmp_path / "abs.zip", {name: b"x"}), tmp_path / "dest")
    tar = make_tar(tmp_path / "abs.tar.gz", [(tar_entry(name), b"x")])
    with pytest.raises(UnsafeArchive, match="absolute"):
        extract_archive(tar, tmp_path / "dest2")
    assert not Path("/tmp/grader-intake-evil.py").exists()


def test_zip_symlinks_are_skipped_and_listed(tmp_path):
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lesson03/backprop.py", "x = 1\n")
        link = zipfile.ZipInfo("lesson03/passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    skipped: list[str] = []
    dest = extract_archive(path, tmp_path / "dest", skipped=skipped)
    assert files_under(dest) == ["lesson03", "lesson03/backprop.py"]
    assert skipped == ["lesson03/passwd (link)"]


def test_tar_symlinks_and_hardlinks_are_skipped_and_listed(tmp_path):
    path = make_tar(tmp_path / "links.tgz", [
        (tar_entry("lesson03/backprop.py"), b"x = 1\n"),
        (tar_entry("lesson03/passwd", tarfile.SYMTYPE, "/etc/passwd"), b""),
        (tar_entry("lesson03/shadow", tarfile.LNKTYPE, "../../../../etc/shadow"), b""),
        (tar_entry("lesson03/inside", tarfile.LNKTYPE, "lesson03/backprop.py"), b""),
    ])
    skipped: list[str] = []
    dest = extract_archive(path, tmp_path / "dest", skipped=skipped)
    assert files_under(dest) == ["lesson03", "lesson03/backprop.py"]
    assert skipped == ["lesson03/passwd (link)", "lesson03/shadow (link)", "lesson03/inside (link)"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_files_are_refused(tmp_path, kind):
    path = make_tar(tmp_path / "dev.tar", [(tar_entry("lesson03/null", kind), b"")], mode="w")
    with pytest.raises(UnsafeArchive, match="special file"):
        extract_archive(path, tmp_path / "dest")


def test_an_honest_one_gigabyte_zip_bomb_is_refused_from_its_headers(tmp_path):
    data, crc = deflated_zeros(1024)
    path = raw_zip(tmp_path / "bomb.zip", "zeros.bin", data, crc=crc, compress_size=len(data), file_size=1024 * MiB)
    assert zipfile.ZipFile(path).getinfo("zeros.bin").file_size == 2**30   # a well-formed zip
    with pytest.raises(UnsafeArchive, match="MiB once extracted"):
        extract_archive(path, tmp_path / "dest")
    with pytest.raises(UnsafeArchive, match="compressed more than 100x"):   # even with room for it
        extract_archive(path, tmp_path / "dest", max_bytes=2 * 2**30)
    assert not (tmp_path / "dest").exists()


def test_a_zip_whose_header_understates_the_size_is_refused(tmp_path):
    data, crc = deflated_zeros(8)
    path = raw_zip(tmp_path / "liar.zip", "small.txt", data, crc=crc, compress_size=len(data), file_size=1000)
    with pytest.raises(UnsafeArchive):
        extract_archive(path, tmp_path / "dest", max_bytes=MiB)
    assert not (tmp_path / "dest").exists()


def test_a_zip_whose_size_and_crc_both_lie_yields_no_more_than_declared(tmp_path):
    data, _ = deflated_zeros(8)
    path = raw_zip(tmp_path / "liar.zip", "small.txt", data, crc=zlib.crc32(bytes(1000)),
                   compress_size=len(data), file_size=1000)
    dest = extract_archive(path, tmp_path / "dest", max_bytes=MiB)
    assert (dest / "small.txt").stat().st_size == 1000


def test_a_compressed_member_over_the_ratio_is_refused(tmp_path):
    path = make_zip(tmp_path / "ratio.zip", {"zeros.bin": bytes(4 * MiB)})
    with pytest.raises(UnsafeArchive, match="100x"):
        extract_archive(path, tmp_path / "dest")


def test_a_tar_member_larger_than_the_budget_is_refused_before_it_is_read(tmp_path):
    header = tar_entry("zeros.bin")
    header.size = 2**30
    raw = header.tobuf(format=tarfile.GNU_FORMAT) + bytes(10 * 512)   # the data never follows
    path = tmp_path / "bomb.tar.gz"
    path.write_bytes(zlib.compress(raw))   # zlib, not gzip: tarfile's r:* must still refuse cleanly
    with pytest.raises(UnsafeArchive):
        extract_archive(path, tmp_path / "dest")
    import gzip
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(UnsafeArchive, match="MiB once extracted"):
        extract_archive(path, tmp_path / "dest")


def test_tar_bytes_are_counted_across_members(tmp_path):
    members = [(tar_entry(f"f{i}.bin"), bytes(400 * 1024)) for i in range(4)]
    path = make_tar(tmp_path / "many.tar.gz", members)
    with pytest.raises(UnsafeArchive, match="1 MiB once extracted"):
        extract_archive(path, tmp_path / "dest", max_bytes=MiB + 100 * 1024)


def test_too_many_files_are_refused(tmp_path):
    entries = {f"lesson03/f{i}.py": b"" for i in range(6)}
    with pytest.raises(UnsafeArchive, match="more than 5 entries"):
        extract_archive(make_zip(tmp_path / "many.zip", entries), tmp_path / "d1", max_files=5)
    tar = make_tar(tmp_path / "many.tgz", [(tar_entry(n), b"") for n in entries])
    with pytest.raises(UnsafeArchive, match="more than 5 entries"):
        extract_archive(tar, tmp_path / "d2", max_files=5)


def test_corrupt_and_unknown_archives_are_refused(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeArchive, match="could not be read"):
        extract_archive(tmp_path / "broken.zip", tmp_path / "d1")
    (tmp_path / "notes.rar").write_bytes(b"Rar!")
    with pytest.raises(UnsafeArchive, match="not a .zip"):
        extract_archive(tmp_path / "notes.rar", tmp_path / "d2")


def test_a_normal_archive_extracts_fully(tmp_path):
    path = make_tar(tmp_path / "ok.tar.gz", [(tar_entry("a/b/c.py"), b"print(1)\n"), (tar_entry("d.ckpt"), b"\0" * 10)])
    dest = extract_archive(path, tmp_path / "dest")
    assert files_under(dest) == ["a", "a/b", "a/b/c.py", "d.ckpt"]
    assert (dest / "a/b/c.py").read_bytes() == b"print(1)\n"


# --- layouts ------------------------------------------------------------------------------------------------
def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_a_folder_with_exercises(tmp_path):
    root = write(tmp_path / "ada", {"exercises/lesson03/backprop.py": "", "exercises/lesson05/cnn.py": "",
                                    "README.md": ""})
    [sub] = find_submissions([root])
    assert sub == Submission("ada", root, {"lesson03": root / "exercises/lesson03",
                                           "lesson05": root / "exercises/lesson05"}, ("README.md",), origin=str(root))


def test_a_folder_with_lessons_directly_and_loose_names(tmp_path):
    root = write(tmp_path / "bob", {"lesson3/backprop.py": "", "Lesson04/linear.py": ""})
    [sub] = find_submissions([root])
    assert sub.student == "bob" and sub.lessons == {"lesson03": root / "lesson3", "lesson04": root / "Lesson04"}


def test_a_folder_of_notebooks(tmp_path):
    root = write(tmp_path / "kim", {"lesson03.ipynb": "{}", "lesson07.ipynb": "{}"})
    [sub] = find_submissions([root])
    assert sub.lessons == {"lesson03": root, "lesson07": root} and sub.ignored == ()


def test_a_github_classroom_clone(tmp_path):
    klass = write(tmp_path / "torch-course-submissions", {
        "torch-course-alice/exercises/lesson03/backprop.py": "",
        "torch-course-bob/lesson04/linear.py": "",
        "torch-course-carol/README.md": "",          # submitted nothing gradable: still listed
        ".hidden/lesson03/backprop.py": "",
    })
    subs = {s.student: s for s in find_submissions([klass])}
    assert sorted(subs) == ["alice", "bob", "carol"]
    assert subs["alice"].lessons == {"lesson03": klass / "torch-course-alice/exercises/lesson03"}
    assert subs["bob"].root == klass / "torch-course-bob"
    assert subs["carol"].lessons == {}


def test_a_classroom_of_one_uses_the_assignment_prefix(tmp_path):
    klass = write(tmp_path / "hw1-submissions", {"hw1-zoe/exercises/lesson01/tensors.py": ""})
    assert [s.student for s in find_submissions([klass])] == ["zoe"]


def test_a_class_folder_of_plain_names(tmp_path):
    klass = write(tmp_path / "class", {"ada/exercises/lesson03/backprop.py": "", "grace/lesson03.ipynb": "{}"})
    subs = find_submissions([klass])
    assert [s.student for s in subs] == ["ada", "grace"]
    assert subs[1].lessons == {"lesson03": klass / "grace"}


@pytest.mark.parametrize("folders, expected", [
    (["course-ada", "course-bob"], ["ada", "bob"]),
    (["proj-alpha-team1", "proj-alpha-team2"], ["team1", "team2"]),
    (["ada", "ada-lovelace"], ["ada", "ada-lovelace"]),
    (["x-", "x-bob"], ["x-", "x-bob"]),
    (["solo-kim"], ["solo-kim"]),
])
def test_student_names(folders, expected):
    assert list(student_names("class", folders, strip_prefix=True).values()) == expected


def test_a_prefix_is_kept_outside_a_classroom_folder_unless_asked():
    """Two sections' `nguyen-van-an` and `tran-van-an` must not both become `an`."""
    folders = ["nguyen-van-an", "nguyen-van-binh"]
    assert list(student_names("sec1", folders).values()) == folders
    assert list(student_names("hw1-submissions", ["hw1-an", "hw1-binh"]).values()) == ["an", "binh"]


def test_archives_of_a_submission(tmp_path):
    make_zip(tmp_path / "alice.zip", {"torch-course-main/exercises/lesson05/cnn.py": b"",
                                      "torch-course-main/conftest.py": b""})
    make_tar(tmp_path / "bob.tar.gz", [(tar_entry("lesson02/autograd.py"), b""),
                                       (tar_entry("lesson02/evil", tarfile.SYMTYPE, "/etc/passwd"), b"")])
    alice, bob = find_submissions([tmp_path / "alice.zip", tmp_path / "bob.tar.gz"], scratch=tmp_path / "scratch")
    assert alice.student == "alice" and list(alice.lessons) == ["lesson05"]
    assert alice.root.name == "torch-course-main" and alice.ignored == ("conftest.py",)
    assert bob.student == "bob" and list(bob.lessons) == ["lesson02"]
    assert bob.ignored == ("lesson02/evil (link)",)
    assert (tmp_path / "scratch") in alice.root.parents


def test_a_hostile_archive_is_refused_and_intake_goes_on(tmp_path):
    make_zip(tmp_path / "mallory.zip", {"../evil.py": b""})
    make_zip(tmp_path / "alice.zip", {"exercises/lesson05/cnn.py": b""})
    mallory, alice = find_submissions([tmp_path / "mallory.zip", tmp_path / "alice.zip"], scratch=tmp_path / "scratch")
    assert mallory.student == "mallory" and mallory.lessons == {}
    assert "mallory.zip" in mallory.refused and "path traversal" in mallory.refused
    assert alice.refused == "" and list(alice.lessons) == ["lesson05"]


def test_an_archive_without_lesson_files_is_still_a_student(tmp_path):
    make_tar(tmp_path / "eve.tar.gz", [(tar_entry("lesson02/autograd_basics.py", tarfile.SYMTYPE, "/etc/passwd"), b"")])
    [eve] = find_submissions([tmp_path / "eve.tar.gz"], scratch=tmp_path / "scratch")
    assert eve.student == "eve" and eve.lessons == {} and eve.ignored == ("lesson02/autograd_basics.py (link)",)


def test_a_lone_notebook(tmp_path):
    notebook = write(tmp_path / "dave", {"lesson5.ipynb": "{}", "other.py": ""}) / "lesson5.ipynb"
    [sub] = find_submissions([notebook], scratch=tmp_path / "scratch")
    assert sub.student == "dave" and list(sub.lessons) == ["lesson05"]
    assert sorted(os.listdir(sub.lessons["lesson05"])) == ["lesson05.ipynb"]


def test_nothing_to_find(tmp_path):
    (tmp_path / "empty").mkdir()
    assert find_submissions([tmp_path / "empty"]) == []
    with pytest.raises(FileNotFoundError):
        find_submissions([tmp_path / "missing"])


def test_ignored_lists_every_non_lesson_file_and_never_follows_links(tmp_path):
    root = write(tmp_path / "eve", {
        "exercises/lesson03/backprop.py": "", "exercises/lesson03/helper.py": "",
        "exercises/lesson03/model.ckpt": "", "exercises/lesson03/conftest.py": "",
        "exercises/lesson03/sitecustomize.pth": "", "exercises/lesson03/test_backprop.py": "",
        "conftest.py": "", "pytest.ini": "", ".github/workflows/x.yml": "", ".git/config": "",
        "exercises/lesson03/__pycache__/backprop.cpython-311.pyc": "",
    })
    os.symlink("/etc", root / "exercises" / "lesson04")
    os.symlink("/etc/passwd", root / "exercises" / "lesson03" / "passwd.py")
    [sub] = find_submissions([root])
    assert list(sub.lessons) == ["lesson03"]
    assert sub.ignored == (".github/workflows/x.yml", "conftest.py", "exercises/lesson03/conftest.py",
                           "exercises/lesson03/passwd.py (link)", "exercises/lesson03/sitecustomize.pth",
                           "exercises/lesson03/test_backprop.py", "exercises/lesson04 (link)", "pytest.ini")


# --- copying ------------------------------------------------------------------------------------------------
def test_copy_lesson_files_copies_only_the_allow_list(tmp_path):
    root = write(tmp_path / "eve", {
        "exercises/lesson03/backprop.py": "def forward(): ...\n", "exercises/lesson03/helper.py": "",
        "exercises/lesson03/conftest.py": "", "exercises/lesson03/pytest.ini": "",
        "exercises/lesson03/sitecustomize.pth": "", "exercises/lesson03/Lesson3.ipynb": "{}",
        "exercises/lesson03/lesson04.ipynb": "{}", "exercises/lesson03/model.ckpt": "w",
        "exercises/lesson03/.github/workflows/x.yml": "", "exercises/lesson03/tests/test_x.py": "",
    })
    lesson = root / "exercises" / "lesson03"
    os.symlink("/etc/passwd", lesson / "utils.py")
    with open(lesson / "huge.ckpt", "wb") as handle:
        handle.truncate(51 * MiB)                      # sparse: costs no disk
    [sub] = find_submissions([root])
    dest = tmp_path / "dest"
    copied, ignored = copy_lesson_files(sub, "lesson03", dest, {"backprop.py", "utils.py"})
    assert copied == ["Lesson3.ipynb", "backprop.py", "model.ckpt"]
    assert sorted(os.listdir(dest)) == ["backprop.py", "lesson03.ipynb", "model.ckpt"]
    assert (dest / "backprop.py").read_text() == "def forward(): ...\n"
    assert ignored == [".github/workflows/x.yml", "conftest.py", "helper.py", "huge.ckpt (larger than 50 MiB)",
                       "lesson04.ipynb", "pytest.ini", "sitecustomize.pth", "tests/test_x.py", "utils.py (link)"]
    assert not any(p.is_symlink() for p in dest.iterdir())
