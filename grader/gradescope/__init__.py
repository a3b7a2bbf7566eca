"""Gradescope's autograder: the package `grader gradescope` builds, and what it runs per submission.

    package.py     build autograder.zip: setup.sh, run_autograder, the grader's wheel, the lessons'
                   references, MNIST and the course file (files filled from templates/)
    metadata.py    submission_metadata.json: who, when, and the earlier submissions' results
    autograde.py   grade $GRADESCOPE_ROOT/submission with the judge, write results/results.json
    __main__.py    `python -m grader.gradescope ROOT`: what run_autograder calls
"""
