"""Which file of each submission is graded for each lesson: the jobs of a batch."""

from __future__ import annotations

from pathlib import Path

from grader.checks import load_lesson
from grader.gradebook.deadlines import submitted_at
from grader.i18n import tr
from grader.judge.intake import LESSON_NOTEBOOK, MAX_LESSON_FILE_BYTES, MiB, notebook_name
from grader.judge.jobs import PROJECT_ROOT, Job
from grader.notebooks.submitted import submitted_source


def plan(submissions, lessons: tuple[str, ...],
         solutions: Path = PROJECT_ROOT / "solutions") -> dict[str, tuple[object, list[Job]]]:
    """Jobs per student, one per requested lesson (a lesson not submitted still gets a row). A folder
    holding the lesson module and notebooks is graded on the one the student changed from the stub
    (the module when several were: grader.notebooks.submitted.submitted_source)."""
    planned = {}
    for submission in submissions:
        jobs = []
        for lesson_id in lessons:
            lesson = load_lesson(lesson_id)
            folder = submission.lessons.get(lesson_id)
            source = None
            checkpoints: tuple[Path, ...] = ()
            if folder is not None:
                folder = Path(folder)
                if folder.is_file() and folder.suffix == ".ipynb":
                    source = folder
                elif folder.is_dir():
                    notebooks = sorted((m.group("lang") is not None, notebook_name(m), p) for p in folder.iterdir()
                                       if (m := LESSON_NOTEBOOK.fullmatch(p.name))
                                       and notebook_name(m).startswith(lesson_id + "."))
                    candidates = [p for p in [folder / lesson.filename] + [n[-1] for n in notebooks]
                                  if p.is_file() and not p.is_symlink()]
                    source = submitted_source(candidates, solutions / lesson_id / lesson.filename)
                if folder.is_dir():
                    checkpoints = tuple(sorted(p for p in folder.glob("*.ckpt") if p.is_file() and not p.is_symlink()))
            checkpoints, notes = _cap_checkpoints(checkpoints)
            when, origin = (submitted_at(Path(submission.root), [source, *checkpoints],
                                         lms_time=getattr(submission, "lms_time", None))
                            if source is not None else (None, ""))
            jobs.append(Job(submission.student, lesson_id, source, checkpoints,
                            getattr(submission, "refused", ""), when, origin, notes))
        planned[submission.student] = (submission, jobs)
    return planned


def _cap_checkpoints(checkpoints: tuple[Path, ...]) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Checkpoints over the size cap are refused, never copied nor read."""
    kept, notes = [], []
    for path in checkpoints:
        if path.stat().st_size > MAX_LESSON_FILE_BYTES:
            notes.append(tr("{name} was not graded: checkpoints larger than {mib} MiB are refused.",
                            name=path.name, mib=MAX_LESSON_FILE_BYTES // MiB))
        else:
            kept.append(path)
    return tuple(kept), tuple(notes)
