import importlib.util
import textwrap

import pytest
from conftest import EXERCISES, SOLUTIONS

from grader.authoring.exercises import drifted_stubs, expected_stubs
from grader.authoring.stubs import MarkerError, make_stub, parse_todos


def test_committed_stubs_match_the_generator():
    drifted = drifted_stubs(SOLUTIONS, EXERCISES)
    assert not drifted, f"regenerate with `grader stubs`: {[str(p) for p in drifted]}"


def test_every_stub_imports_cleanly_and_keeps_no_markers():
    for path, text in expected_stubs(SOLUTIONS, EXERCISES).items():
        assert "BEGIN TODO" not in text and "END TODO" not in text, path
        if path.suffix != ".py":
            continue   # the lesson notebooks: tests/test_notebooks.py runs them
        spec = importlib.util.spec_from_file_location(f"stub_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


SOURCE = textwrap.dedent('''\
    def f(x):
        """Doc."""
        # BEGIN TODO f: double it
        y = x * 2
        return y
        # END TODO

    class C:
        def g(self):
            # BEGIN TODO C.g
            return 1
            # END TODO
''')


def test_stub_keeps_signature_docstring_and_indentation():
    stub = make_stub(SOURCE, "lesson99")
    assert 'def f(x):\n    """Doc."""\n    # TODO f: double it\n    raise NotImplementedError("TODO f")\n' in stub
    assert '        raise NotImplementedError("TODO C.g")\n' in stub
    assert "y = x * 2" not in stub


def test_stub_raises_naming_the_todo():
    namespace = {}
    exec(make_stub(SOURCE, "lesson99"), namespace)
    with pytest.raises(NotImplementedError, match="TODO f"):
        namespace["f"](1)


@pytest.mark.parametrize("source, message", [
    ("def f():\n    # BEGIN TODO a\n    # BEGIN TODO b\n    pass\n    # END TODO\n", "cannot nest"),
    ("def f():\n    # BEGIN TODO a\n    pass\n", "never closed"),
    ("def f():\n    pass\n    # END TODO\n", "without a BEGIN"),
    ("def f():\n    # BEGIN TODO a\n    pass\n  # END TODO\n", "indented differently"),
    ("def f():\n    # BEGIN TODO a\n    # END TODO\n", "empty solution"),
    ("def f():\n    #BEGIN TODO a\n    pass\n", "malformed marker"),
    ("def f():\n    # BEGIN TODO a\n    pass\n    # END TODO\n    # BEGIN TODO a\n    pass\n    # END TODO\n",
     "marked twice"),
])
def test_bad_markers_are_reported_with_file_and_line(source, message):
    with pytest.raises(MarkerError, match=message) as error:
        parse_todos(source, "solutions/x.py")
    assert str(error.value).startswith("solutions/x.py:")
