"""`python -m grader.classroom ...`: the `grader classroom` command (also the worker's entry)."""

import sys

from grader.classroom.command import main

sys.exit(main())
