"""`grader similarity DIR`: pairs of submissions whose own code is unusually alike, per lesson.

    sources.py   what is compared: each student's lesson code (`.py` or notebook code cells), and
                 the lesson's shared code (stub and reference) that must not count
    pairs.py     fingerprints with copydetect (winnowing, shared code as boilerplate), pairs ranked,
                 and the matching line blocks of each pair
    html.py      similarity.html and the report.html section: the ranking, the lines side by side
    files.py     similarity.json and similarity.csv, for scripts
    command.py   the command line: checks, console table, files
"""
