"""The zygote warms only what the batch's lessons use; what it skipped still works in a child."""

import pytest
from catalogue import variants
from conftest import EXERCISES, SOLUTIONS

from grader.checks import LESSON_IDS, load_lesson
from grader.judge import intake
from grader.judge.batch import grade_batch
from grader.judge.jobs import GradeOptions
from grader.judge.zygote import WARM_UPS, Zygote
from grader.runner import DEFAULT_SEED

pytestmark = pytest.mark.slow

# Lesson 3's own code uses none of these; this student uses them all, at import, and first makes
# sure that its zygote did not (the lesson-3 batch's zygote warms nothing of the sort).
UNWARMED_ON_IMPORT = '''
import sys
assert "torchvision" not in sys.modules, "a lesson-3 zygote imported torchvision"
assert "sympy" not in sys.modules, "a lesson-3 zygote made a vector backward"
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torchvision  # noqa: F401
_weight = torch.zeros(3, requires_grad=True)
_optimizer = torch.optim.Adam([_weight])
(_weight * 2).sum().backward()
_optimizer.step()
(_weight * 2).backward(torch.ones(3))
_figure, _axes = plt.subplots()
_axes.plot([0, 1], [0, 1], "ro", label="data")
_axes.legend()
_figure.savefig("plot.png")
plt.close(_figure)
'''


def test_every_lesson_asks_for_known_warm_ups():
    for lesson_id in LESSON_IDS:
        assert set(load_lesson(lesson_id).warm_up) <= set(WARM_UPS), lesson_id
    with pytest.raises(ValueError, match="unknown zygote warm-up"):
        Zygote(warm=("cuda",))


def test_what_the_zygote_did_not_warm_still_works_in_a_confined_child(tmp_path):
    solution = (SOLUTIONS / "lesson03" / "backprop.py").read_text()
    target = tmp_path / "class" / "ada" / "exercises" / "lesson03" / "backprop.py"
    target.parent.mkdir(parents=True)
    target.write_text(solution.replace("\nimport torch\n", "\nimport torch\n" + UNWARMED_ON_IMPORT, 1))
    options = GradeOptions(out=tmp_path / "out", lessons=("lesson03",), jobs=1, progress=False, seed=20261127)
    report = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
    [result] = report.graded
    assert result.score == 10, [(c.name, c.message) for lesson in result.lessons for c in lesson.checks]


def test_a_batch_of_one_lesson_grades_its_catalogue_as_a_batch_that_warms_everything(tmp_path):
    """Lesson 4 alone warms no ResNet-18 (nor torchvision); with lessons 2 and 8 in the batch, every
    warm-up is paid: each check's status and points are the same."""
    lesson = load_lesson("lesson04")
    solution = SOLUTIONS / lesson.id / lesson.filename
    built = [("reference", solution), ("stub", EXERCISES / lesson.id / lesson.filename)]
    built += [(v.name, v.build(solution, tmp_path / "built" / v.name)) for v in variants(lesson.id)]
    for name, path in built:
        target = tmp_path / "class" / name / "exercises" / lesson.id / lesson.filename
        target.parent.mkdir(parents=True)
        target.write_text(path.read_text())
    graded = {}
    for lessons in (("lesson04",), ("lesson04", "lesson02", "lesson08")):   # nobody hands in lessons 2 and 8
        warm = {name for lesson_id in lessons for name in load_lesson(lesson_id).warm_up}
        options = GradeOptions(out=tmp_path / "-".join(lessons), lessons=lessons, jobs=1, progress=False,
                               seed=DEFAULT_SEED, device="cpu")
        report = grade_batch(intake.find_submissions([tmp_path / "class"]), options)
        graded[frozenset(warm)] = {s.student: [(c.label, c.status, c.max_points if c.status == "passed" else 0,
                                                c.message) for c in s.lessons[0].checks] for s in report.graded}
    assert set(graded) == {frozenset({"training", "plotting"}), frozenset(WARM_UPS) - {"torchvision"}}
    alone, everything = graded.values()
    assert len(alone) == len(built) and alone == everything


def test_the_zygote_warms_what_a_lesson_uses_when_its_first_job_comes(tmp_path):
    """Started for a batch that may need torchvision, the zygote imports it only when a job's lesson
    asks (`prepare`), and only what the batch may need; children forked after that have it."""
    from grader.judge.jobs import PROJECT_ROOT
    from grader.judge.remote import Budget, ProcessHandle

    zygote = Zygote(warm=("torchvision",))

    def loaded_in_a_child(module: str) -> bool:
        workdir = tmp_path / f"job{len(list(tmp_path.iterdir()))}"
        workdir.mkdir()
        source = workdir / "probe_me.py"
        source.write_text("import sys\n\n\ndef loaded(name):\n    return name in sys.modules\n")
        handle = ProcessHandle(zygote, source, workdir, Budget(), project_root=PROJECT_ROOT, data_dirs=[],
                               filename=source.name)
        try:
            return handle.call("loaded", module)
        finally:
            handle.close()

    try:
        assert loaded_in_a_child("torchvision") is False
        zygote.prepare(["torchvision", "resnet"])   # resnet is not this batch's: left alone
        assert zygote.warmed == {"torchvision"}
        assert loaded_in_a_child("torchvision") is True
    finally:
        zygote.close()


def _zygote_of_this_worker(job, options):
    from grader.judge.jobs import worker
    worker.zygote.wait_ready()
    return job, worker.zygote.process.pid


def test_the_workers_adopt_the_zygotes_the_command_line_started_first(tmp_path, monkeypatch):
    """`grader grade` starts its zygotes before its own imports (grader/__main__.py); each judge
    worker it forks adopts one, in order; those no worker took are stopped with the batch."""
    import os

    from grader.__main__ import zygotes_to_prestart
    from grader.judge import local, zygote
    from grader.judge.jobs import Job

    monkeypatch.setattr(local, "grade_job", _zygote_of_this_worker)
    options = GradeOptions(out=tmp_path / "out", lessons=("lesson03",), jobs=2, progress=False)
    for workers, jobs in ((2, 6), (1, 1)):     # a batch of one job forks one worker: one zygote left over
        zygote.prestart(2)
        started = [z.process for z in zygote._PRESTARTED]
        stray = os.fork()          # not a worker's fork (the sandbox's probes fork too): takes no zygote
        if stray == 0:
            os._exit(0)
        os.waitpid(stray, 0)
        batch = [Job(f"s{k}", "lesson03", None) for k in range(jobs)]
        used = {pid for _, pid in local.run_jobs(batch, GradeOptions(**{**vars(options), "jobs": workers}))}
        assert used <= {p.pid for p in started} and len(used) == workers
        assert all(process.poll() is not None for process in started)    # all stopped, and reaped
        assert not zygote._PRESTARTED and not zygote._HANDED

    assert zygotes_to_prestart(["grade", "class", "--out", "o", "--jobs", "1"]) == (1, None)
    assert zygotes_to_prestart(["demo", "--lang", "vi"])[1] == "vi"
    for argv in (["report", "out"], ["grade", "c", "--executor", "dask"], ["grade", "c", "--scheduler", "tcp://x"],
                 ["grade", "--help"], ["grade", "c", "--jobs", "many"], ["grade", "c", "--jobs", "0"]):
        assert zygotes_to_prestart(argv) == (0, None), argv


def _huge_pages_on_request() -> bool:
    import platform
    from pathlib import Path
    setting = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return (platform.libc_ver()[0] == "glibc" and setting.is_file()
            and "[never]" not in setting.read_text())


@pytest.mark.skipif(not _huge_pages_on_request(), reason="no transparent huge pages on request here")
def test_the_zygote_holds_its_models_in_huge_pages():
    """The zygote's malloc asks for huge pages (environment.ZYGOTE_MALLOC): the ResNet-18s a lesson-8
    batch keeps there cost each fork and each child's exit a page table entry per 2 MB."""
    from pathlib import Path
    zygote = Zygote(warm=("torchvision", "resnet"))
    try:
        zygote.prepare(["torchvision", "resnet"])     # four ResNet-18s: ~180 MB of parameters
        rollup = Path(f"/proc/{zygote.process.pid}/smaps_rollup").read_text()
        huge_kb = int(next(line.split()[1] for line in rollup.splitlines() if line.startswith("AnonHugePages:")))
        assert huge_kb >= 64 * 1024, rollup
    finally:
        zygote.close()
