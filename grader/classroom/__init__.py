"""GitHub Classroom: the student template release and grading inside a released repository.

    release.py          `grader release`: the template repository, built and proved (orchestration)
    packaging.py        which grader modules (and their data files) the template ships
    recording.py        the reference's answers recorded at release, then replayed to prove them
    recorded.py         those answers as a reference handle (`RecordingHandle`, `RecordedHandle`)
    leaks.py            the scan that keeps every line of a solution's TODOs out of the release
    generated.py        the workflow, README, pyproject ... filled from templates/
    command.py          `grader classroom lessonNN`: one lesson graded for Classroom's reporter
    integrity.py        the release manifest: are the grading files the released ones?
    reporter_result.py  the runner-result JSON that Classroom's grading reporter reads

The student template ships this package's `__init__`, `__main__`, `command`, `integrity`,
`recorded` and `reporter_result` (see `packaging.py`), never the release side. Empty on
purpose: `grader.runner` imports `recorded`, which loads this package first, so importing
`command` here (which uses the runner) would make a cycle. The released `grader` script is
`grader.classroom.command:main`.
"""
