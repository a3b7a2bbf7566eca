"""Lesson notebooks at grading time.

    format.py       reading a notebook: its code cells, and which one is the score cell
    as_module.py    a notebook as a module whose import runs its code cells (the batch judge)
    kernel.py       the in-process IPython kernel those cells run in
    score_cell.py   `check_notebook`, what the score cell of a student's notebook calls
    submitted.py    which of a student's lesson files is graded: the one they worked in

Generating the notebooks from the solutions is authoring: grader/authoring/lesson_notebooks.py.
"""
