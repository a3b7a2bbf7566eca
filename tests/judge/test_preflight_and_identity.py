"""Before any grading: every bad option, name collision and unusable name stops `grader grade` with
exit 2 and one line, and nothing is written; LMS exports and rosters say who is who."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime, timezone

import pytest
from conftest import SOLUTIONS

from grader import cli
from grader.gradebook.roster import load_roster
from grader.judge.identity import IdentityError, identify
from grader.judge.intake import find_submissions
from grader.judge.preflight import check_lessons

SOLUTION = (SOLUTIONS / "lesson03" / "backprop.py").read_text()


def student(folder, name, source=SOLUTION):
    target = folder / name / "exercises" / "lesson03" / "backprop.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source)
    return folder / name


def refused(capsys, *args) -> str:
    """Runs `grader grade ARGS`; it must exit 2 with one line on stderr, before grading anything."""
    code = cli.main(["grade", *map(str, args), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and captured.err.startswith("grader: "), captured.err
    assert "graded" not in captured.out and "sandbox" not in captured.out
    return captured.err


@pytest.fixture
def klass(tmp_path):
    folder = tmp_path / "class"
    student(folder, "ada")
    return folder


@pytest.mark.parametrize("option, value, says", [
    ("--timeout", "0", "--timeout"), ("--timeout", "-5", "--timeout"), ("--timeout", "nan", "--timeout"),
    ("--timeout", "inf", "--timeout"), ("--jobs", "0", "--jobs"), ("--jobs", "-1", "--jobs"),
    ("--lessons", "", "--lessons is empty"), ("--lessons", "3,9", "unknown lesson"),
    ("--max-reply-mb", "0", "--max-reply-mb"), ("--max-reply-mb", "nan", "--max-reply-mb"),
])
def test_a_bad_option_exits_2_before_grading(capsys, klass, tmp_path, option, value, says):
    out = tmp_path / "out"
    assert says in refused(capsys, klass, "--out", out, option, value)
    assert not out.exists()


def test_out_must_be_a_writable_folder_outside_the_graded_ones(capsys, klass, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("")
    assert "is a file" in refused(capsys, klass, "--out", a_file)
    assert "inside the graded folder" in refused(capsys, klass, "--out", klass / "graded")
    assert not (klass / "graded").exists()
    assert "inside --out" in refused(capsys, klass, "--out", tmp_path)


def test_bad_course_and_roster_files(capsys, klass, tmp_path):
    course = tmp_path / "course.toml"
    for text, says in [("[lessons.lesson03]\ndue = 2026-12-01T23:59:00\n", "UTC offset"),
                       ("[lessons.lesson03\n", "course.toml"),
                       ("[late]\npenalty_per_day = 2\n", "penalty_per_day"),
                       ("[lessons.lesson11]\ndue = 2026-12-01T23:59:00+07:00\n", "not a lesson")]:
        course.write_text(text)
        assert says in refused(capsys, klass, "--out", tmp_path / "out", "--course", course)
    roster = tmp_path / "roster.csv"
    roster.write_text("github,email\nada,ada@example.edu\n")
    assert "needs a `name` column" in refused(capsys, klass, "--out", tmp_path / "out", "--roster", roster)
    roster.write_text("name,github\nada,ada-gh\nbob,ada-gh\n")
    assert "also on line 2" in refused(capsys, klass, "--out", tmp_path / "out", "--roster", roster)
    assert not (tmp_path / "out").exists()


def test_lessons_given_twice_are_graded_once_with_a_note():
    lessons, notes = check_lessons("3,3,03")
    assert lessons == ("lesson03",) and "more than once" in notes[0]


# --- identity ---------------------------------------------------------------------------------------------
def test_two_sources_for_one_name_are_refused_naming_both(capsys, tmp_path):
    sec1, sec2 = student(tmp_path / "sec1", "alex"), student(tmp_path / "sec2", "alex")
    message = refused(capsys, tmp_path / "sec1", tmp_path / "sec2", "--out", tmp_path / "out")
    assert str(sec1) in message and str(sec2) in message and "--roster" in message
    assert not (tmp_path / "out").exists()


def test_a_roster_says_who_is_who(tmp_path):
    student(tmp_path / "sec1", "alex")
    student(tmp_path / "sec2", "alex")
    roster = tmp_path / "roster.csv"
    roster.write_text("name,github,lms_id,section\nAlex Nguyễn,alex,,sec1\nAlex Trần,,alex,sec2\n", encoding="utf-8")
    subs = identify(find_submissions([tmp_path / "sec1", tmp_path / "sec2"]), load_roster(roster))
    assert sorted(s.student for s in subs) == ["Alex Nguyễn", "Alex Trần"]


def test_section_prefixes_are_kept(tmp_path):
    """sec1/{nguyen-van-an, nguyen-van-binh} and sec2/{tran-van-an, tran-van-binh}: four students."""
    for section, family in (("sec1", "nguyen-van"), ("sec2", "tran-van")):
        for given in ("an", "binh"):
            student(tmp_path / section, f"{family}-{given}")
    subs = identify(find_submissions([tmp_path / "sec1", tmp_path / "sec2"]))
    assert sorted(s.student for s in subs) == ["nguyen-van-an", "nguyen-van-binh", "tran-van-an", "tran-van-binh"]
    stripped = find_submissions([tmp_path / "sec1"], strip_prefix=True)
    assert sorted(s.student for s in stripped) == ["an", "binh"]


@pytest.mark.parametrize("name", ["..", ".", "a\x07b", "tab\there"])
def test_unusable_names_are_refused(name):
    from grader.judge.intake import Submission
    with pytest.raises(IdentityError):
        identify([Submission(name, __import__("pathlib").Path("/nonexistent"), {})])


def test_an_archive_named_dot_dot_writes_nothing_anywhere(capsys, tmp_path):
    with zipfile.ZipFile(tmp_path / "....zip", "w") as archive:   # renamed below: "...zip" is student ".."
        archive.writestr("exercises/lesson03/backprop.py", SOLUTION)
    (tmp_path / "....zip").rename(tmp_path / "...zip")
    out = tmp_path / "deep" / "out"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert "cannot be a student's name" in refused(capsys, tmp_path / "...zip", "--out", out)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_names_are_nfc_normalized(tmp_path):
    decomposed = "Nguye\u0302\u0303n"           # what a macOS file system may hand back
    student(tmp_path / "class", decomposed)
    [sub] = identify(find_submissions([tmp_path / "class"]))
    assert sub.student == "Nguyễn"


def test_two_lone_notebooks_of_one_student_are_one_submission(tmp_path):
    folder = tmp_path / "kim"
    folder.mkdir()
    for lesson in ("lesson03", "lesson07"):
        (folder / f"{lesson}.ipynb").write_text("{}")
    [sub] = find_submissions([folder / "lesson03.ipynb", folder / "lesson07.ipynb"])
    assert sub.student == "kim" and sorted(sub.lessons) == ["lesson03", "lesson07"]


# --- LMS exports -------------------------------------------------------------------------------------------
def _student_zip(entries: dict[str, str]) -> bytes:
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_canvas_export_zip_of_student_archives(tmp_path):
    """Canvas's bulk download: one zip holding `<name>_[LATE_]<user id>_<submission id>_<file>` per
    student; the entry's time in the export is when Canvas received it."""
    export = tmp_path / "submissions.zip"
    received = (2026, 12, 2, 10, 30, 0)
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(zipfile.ZipInfo("nguyenvanan_1001_5001_lesson03.zip", date_time=received),
                         _student_zip({"exercises/lesson03/backprop.py": SOLUTION}))
        archive.writestr(zipfile.ZipInfo("tranthibinh_LATE_1002_5002_hw.zip", date_time=received),
                         _student_zip({"lesson03/backprop.py": SOLUTION}))
        archive.writestr(zipfile.ZipInfo("levancuong_1003_5003_lesson03.rar", date_time=received), b"Rar!\x1a\x07")
    subs = {s.student: s for s in find_submissions([export])}
    assert sorted(subs) == ["levancuong", "nguyenvanan", "tranthibinh"]
    assert subs["nguyenvanan"].lessons and subs["nguyenvanan"].lms_id == "1001"
    assert subs["tranthibinh"].lessons and subs["tranthibinh"].lms_time == datetime(
        *received, tzinfo=timezone.utc).isoformat()
    assert ".rar archives cannot be read" in subs["levancuong"].refused
    roster = tmp_path / "roster.csv"
    roster.write_text("name,lms_id\nNguyễn Văn An,1001\n", encoding="utf-8")
    named = {s.student for s in identify(list(subs.values()), load_roster(roster))}
    assert "Nguyễn Văn An" in named


def test_a_moodle_export_folder(tmp_path):
    for name in ("Nguyen Van An_201_assignsubmission_file_", "Tran Thi Binh_202_assignsubmission_file_"):
        student(tmp_path / "moodle", name)
    subs = find_submissions([tmp_path / "moodle"])
    assert sorted((s.student, s.lms_id) for s in subs) == [("Nguyen Van An", "201"), ("Tran Thi Binh", "202")]


def test_a_folder_of_zips_and_a_rar_is_a_class(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "ada.zip").write_bytes(_student_zip({"exercises/lesson03/backprop.py": SOLUTION}))
    (folder / "bob.rar").write_bytes(b"Rar!\x1a\x07")
    subs = {s.student: s for s in find_submissions([folder])}
    assert sorted(subs) == ["ada", "bob"] and subs["ada"].lessons and "cannot be read" in subs["bob"].refused


def test_a_lone_rar_is_a_refused_student_not_a_warning(tmp_path):
    (tmp_path / "carol.rar").write_bytes(b"Rar!\x1a\x07")
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        [sub] = find_submissions([tmp_path / "carol.rar"])
    assert sub.student == "carol" and "cannot be read" in sub.refused


def test_a_checkpoint_over_the_cap_is_refused_and_never_read(tmp_path):
    from grader.judge.intake import MAX_LESSON_FILE_BYTES
    from grader.judge.plan import plan
    root = student(tmp_path / "class", "ada")
    big = root / "exercises" / "lesson03" / "model.ckpt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_LESSON_FILE_BYTES + 1)      # sparse: no disk used
    os.chmod(big, 0)                                     # reading it would fail (were it not root)
    [(sub, [job])] = plan(find_submissions([tmp_path / "class"]), ("lesson03",)).values()
    assert job.checkpoints == () and "model.ckpt" in job.notes[0] and "50 MiB" in job.notes[0]


def test_an_archive_beside_student_folders_is_a_student(tmp_path):
    student(tmp_path / "class", "ada")
    (tmp_path / "class" / "carol.rar").write_bytes(b"Rar!\x1a\x07")
    (tmp_path / "class" / "dan.zip").write_bytes(_student_zip({"lesson03/backprop.py": SOLUTION}))
    subs = {s.student: s for s in find_submissions([tmp_path / "class"])}
    assert sorted(subs) == ["ada", "carol", "dan"] and "cannot be read" in subs["carol"].refused
    assert subs["dan"].lessons


def test_a_gradescope_export_folder(tmp_path):
    export = tmp_path / "assignment_export"
    student(export, "submission_3001")
    student(export, "submission_3002")
    (export / "submission_metadata.yml").write_text(
        "submission_3001:\n  :submitters:\n  - :name: Nguyễn Văn An\n    :sid: '2021001'\n"
        "    :email: an@example.edu\n  :created_at: 2026-12-01 16:59:00.123456000 +07:00\n"
        "submission_3002:\n  :submitters:\n  - :name: Trần Thị Bình\n    :sid: '2021002'\n"
        "  :created_at: 2026-12-02 08:00:00.000000000 +07:00\n", encoding="utf-8")
    subs = {s.student: s for s in find_submissions([export])}
    assert sorted(subs) == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert subs["Nguyễn Văn An"].lms_id == "2021001" and subs["Nguyễn Văn An"].lms_time == "2026-12-01T16:59:00+07:00"
    assert subs["Trần Thị Bình"].lessons
