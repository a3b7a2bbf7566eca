"""Results written out, one module per format; every file is written whole or not at all (atomic.py).

    console.py     the score table in a terminal or a notebook
    feedback.py    a student's feedback.md
    gradebook.py   the class's gradebook.csv and summary.json
    gradescope.py  Gradescope's results.json
    leaderboard.py the MNIST leaderboard: Gradescope's entries and leaderboard.csv
    report.py      report.html, the class at a glance for instructors (report_leaderboard.py: its leaderboard)
    classroom.py   GitHub Classroom's reporter result
    atomic.py      the one atomic-write helper
"""
