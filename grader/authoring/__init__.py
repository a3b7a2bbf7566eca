"""Course authoring: exercises/ and the sample class, generated from solutions/.

    stubs.py             TODO markers in a solution, and the student's stub made from them
    cells.py             a lesson module cut into notebook cells
    lesson_notebooks.py  a lesson's notebook in each language: the stub's cells and the prose
    exercises.py         everything exercises/ holds: written by `grader stubs`, checked by `--check`
    demo.py              the sample class that `grader demo` grades
"""
