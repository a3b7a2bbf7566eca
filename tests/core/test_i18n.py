"""Student-facing text in English and Vietnamese: complete catalogues, same placeholders, and
the languages actually reaching messages, score tables, pytest output and feedback.md."""

import json
import os
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest
from conftest import EXERCISES, PROJECT, SOLUTIONS, run_student_pytest

from grader import i18n
from grader.checks import load_lesson
from grader.handle import LocalHandle
from grader.i18n import LANGUAGES, N_, catalogue, placeholders, set_language, tr, tr_marked, using_language
from grader.i18n.extract import extract
from grader.results import CheckResult, LessonResult
from grader.runner import grade_lesson
from grader.writers.console import render_lesson

pytest_plugins = ["pytester"]

FOUND = extract()
MISTAKE = ("(y_pred - y) ** 2", "(y_pred - y).abs()")     # lesson 3: absolute instead of squared error


@pytest.fixture(autouse=True)
def english_unless_told(monkeypatch):
    """Every test starts from the default: no selection, no $GRADER_LANG."""
    monkeypatch.delenv("GRADER_LANG", raising=False)
    previous = set_language(None)
    yield
    set_language(previous)


# --- the catalogues ---------------------------------------------------------------------------

def test_every_key_in_the_code_is_a_literal_used_correctly():
    assert not FOUND.problems, "\n".join(FOUND.problems)
    assert len(FOUND.keys) > 400          # every check module, expect, handle, writers...
    assert "Hint: {hint}" in FOUND.keys and "not started" in FOUND.keys and "Backpropagation" in FOUND.keys


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_each_catalogue_has_exactly_the_keys_of_the_code(lang):
    texts = catalogue(lang)
    missing = [f"{key!r} ({FOUND.keys[key][0]})" for key in FOUND.keys if not texts.get(key)]
    stale = [repr(key) for key in texts if key not in FOUND.keys]
    assert not missing, (f"{lang}.json lacks {len(missing)} message(s) "
                         "(python -m grader.i18n --sync, then translate):\n" + "\n".join(missing))
    assert not stale, f"{lang}.json has {len(stale)} message(s) no code uses any more:\n" + "\n".join(stale)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_translations_keep_the_placeholders_and_format(lang):
    bad = []
    for key, text in catalogue(lang).items():
        if Counter(placeholders(text)) != Counter(placeholders(key)):
            bad.append(f"{key!r} -> {text!r}: placeholders {placeholders(text)} != {placeholders(key)}")
            continue
        values = {name: 1.5 if spec else "X" for name, _, spec in placeholders(key)}
        try:
            text.format(**values)
        except (ValueError, KeyError, IndexError) as exc:
            bad.append(f"{key!r} -> {text!r}: {exc}")
        if text != unicodedata.normalize("NFC", text):
            bad.append(f"{key!r}: not NFC-normalised (column widths would be wrong)")
        if text != text.strip() and key == key.strip():
            bad.append(f"{key!r}: translation has stray surrounding spaces")
    assert not bad, "\n".join(bad)


def test_english_maps_each_key_to_itself_and_vietnamese_translates():
    english, vietnamese = catalogue("en"), catalogue("vi")
    assert all(text == key for key, text in english.items())
    translated = [key for key, text in vietnamese.items() if text != key]
    assert len(translated) > 0.9 * len(vietnamese)     # only code-like keys ("torch.optim.SGD") stay as they are


def test_extract_refuses_non_literals_and_checks_the_values(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text('from grader.i18n import tr, N_\n'
                      'x = "a"\n'
                      'tr(x)\n'
                      'tr(f"shape {x}")\n'
                      'tr("the {name} of {what}", name=1)\n'
                      'tr("{0} positional")\n'
                      'tr("fine {a}", a=1)\n'
                      'N_("marked")\n')
    found = extract([source], relative_to=tmp_path)
    assert set(found.keys) == {"the {name} of {what}", "{0} positional", "fine {a}", "marked"}
    problems = "\n".join(found.problems)
    assert "sample.py:3" in problems and "sample.py:4" in problems          # tr(x), tr(f"...")
    assert "has no value for what" in problems
    assert "{0}" in problems and "fine" not in problems


# --- choosing the language ----------------------------------------------------------------------

def test_language_is_english_by_default_then_env_then_set_language(monkeypatch):
    assert i18n.language() == "en" and tr("passed") == "passed"
    monkeypatch.setenv("GRADER_LANG", "vi_VN.UTF-8")
    assert i18n.language() == "vi" and tr("passed") == "đạt"
    set_language("en")
    assert tr("passed") == "passed"                    # an explicit choice beats the environment
    with using_language("vi"):
        assert tr("Hint: {hint}", hint="x * w") == "Gợi ý: x * w"
    assert i18n.language() == "en"


def test_an_unknown_language_is_a_clear_error(monkeypatch):
    with pytest.raises(ValueError, match=r"unknown language 'fr'.*en \(English\).*vi \(Tiếng Việt\)"):
        set_language("fr")
    monkeypatch.setenv("GRADER_LANG", "klingon")
    with pytest.raises(ValueError, match="GRADER_LANG"):
        i18n.language()


def test_text_is_chosen_when_tr_runs_and_marked_text_later():
    title = N_("Backpropagation")
    assert tr_marked(title) == "Backpropagation"
    with using_language("vi"):
        assert tr_marked(title) == "Lan truyền ngược"
        assert tr("the loss at step {step} of {steps}", step=2, steps=10) == "loss ở bước 2/10"
        assert tr("no such key {x}", x=1) == "no such key 1"      # not catalogued: English, formatted


def test_a_broken_translation_falls_back_to_english(monkeypatch):
    with using_language("vi"):
        monkeypatch.setitem(catalogue("vi"), "Hint: {hint}", "Gợi ý: {hint_typo}")
        assert tr("Hint: {hint}", hint="x") == "Hint: x"


# --- Vietnamese where students read it ------------------------------------------------------------

def _grade_lesson03(path):
    lesson = load_lesson("lesson03")
    reference = LocalHandle(SOLUTIONS / "lesson03" / "backprop.py")
    return grade_lesson(lesson, LocalHandle(path), reference, devices=("cpu",))


@pytest.fixture
def mistake(tmp_path):
    path = tmp_path / "backprop.py"
    path.write_text((SOLUTIONS / "lesson03" / "backprop.py").read_text().replace(*MISTAKE))
    return path


def test_a_vietnamese_run_reads_vietnamese(mistake):
    with using_language("vi"):
        stub = _grade_lesson03(EXERCISES / "lesson03" / "backprop.py")
        wrong = _grade_lesson03(mistake)
        stub_table, wrong_table = render_lesson(stub), render_lesson(wrong)
    assert all(c.message == f"TODO {c.todo} chưa bắt đầu." for c in stub.checks), stub.checks
    assert "Lan truyền ngược" in stub_table and "chưa bắt đầu" in stub_table
    for word in ("trạng thái", "điểm", "tổng", "0 / 10"):
        assert word in stub_table
    messages = [c.message for c in wrong.checks if c.status == "failed"]
    assert messages and all("Gợi ý:" in m and "Hint" not in m for m in messages if "Gợi ý" in m or "Hint" in m)
    assert any("squared_error với các tensor có shape" in m and "có giá trị chưa đúng" in m
               and "Kết quả mong đợi:" in m for m in messages), messages
    assert " đạt " in wrong_table and "chưa đạt" in wrong_table and "✗ squared_error:" in wrong_table


def test_the_default_run_is_unchanged_english(mistake):
    stub, wrong = _grade_lesson03(EXERCISES / "lesson03" / "backprop.py"), _grade_lesson03(mistake)
    assert all(c.message == f"TODO {c.todo} is not started yet." for c in stub.checks)
    table = render_lesson(stub)
    assert " TODO" in table and "status" in table and "not started" in table and "Backpropagation" in table
    assert any("has the wrong values. Expected" in c.message and "Hint:" in c.message for c in wrong.checks)


def test_score_table_columns_stay_aligned_in_vietnamese():
    lesson = load_lesson("lesson03")
    statuses = ["passed", "failed", "error", "not_started", "passed", "passed", "passed", "passed", "passed"]
    checks = tuple(CheckResult(c.id, c.lesson, c.todo, c.name, None, c.points, status, "x")
                   for c, status in zip(lesson.checks, statuses))
    with using_language("vi"):
        table = render_lesson(LessonResult("lesson03", lesson.title, checks), show_messages=False)
    rows = table.splitlines()[1:]
    slash = {row.index(" / ") for row in rows if " / " in row}
    assert len(slash) == 1, table                       # points line up under "điểm", whatever the status
    assert "lỗi trình chấm" in table


# --- pytest --lang, GRADER_LANG and grader_lang -----------------------------------------------------

def test_pytest_lang_vi(pytester, lesson03):
    source = (SOLUTIONS / "lesson03" / "backprop.py").read_text().replace(*MISTAKE)
    (lesson03 / "backprop.py").write_text(source)
    result = run_student_pytest(pytester, lesson03, "--lang", "vi")
    result.stdout.fnmatch_lines(["*grader: seed *thiết bị*",
                                 "*TODO squared_error — squared_error với các tensor có shape*có giá trị chưa đúng*"
                                 "Gợi ý:*",
                                 "*= điểm =*", "*lesson03 · Lan truyền ngược*", "*TODO*trạng thái*điểm*",
                                 "*squared_error*chưa đạt*", "*tổng*"])
    assert "Hint:" not in result.stdout.str() and "Traceback" not in result.stdout.str()


def test_pytest_stub_in_vietnamese_from_the_environment(pytester, lesson03, monkeypatch):
    monkeypatch.setenv("GRADER_LANG", "vi")
    result = run_student_pytest(pytester, lesson03, "-v")
    result.stdout.fnmatch_lines(["*forward_matches_reference*CHƯA BẮT ĐẦU*", "*forward*chưa bắt đầu*0 / 2*",
                                 "*tổng*0 / 10*", "*9 chưa bắt đầu*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED     # not started still fails the run


def test_pytest_ini_language_and_unknown_language(pytester, lesson03):
    pytester.makeini("[pytest]\ngrader_lang = vi\n")
    result = run_student_pytest(pytester, lesson03)
    result.stdout.fnmatch_lines(["*forward*chưa bắt đầu*0 / 2*"])
    result = run_student_pytest(pytester, lesson03, "--lang", "fr")
    assert "unknown language 'fr'" in result.stderr.str() + result.stdout.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR


# --- batch: feedback.md, results.json and the command line ----------------------------------------

@pytest.mark.slow   # a real judge batch
def test_grader_grade_lang_vi_writes_vietnamese_feedback(tmp_path):
    folder = tmp_path / "class"
    for name, source in (("grace", (SOLUTIONS / "lesson03" / "backprop.py").read_text().replace(*MISTAKE)),
                         ("linus", (EXERCISES / "lesson03" / "backprop.py").read_text())):
        target = folder / name / "exercises" / "lesson03" / "backprop.py"
        target.parent.mkdir(parents=True)
        target.write_text(source)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out), "--lessons", "3",
                           "--jobs", "2", "--quiet", "--lang", "vi"], capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    feedback = (out / "grace" / "feedback.md").read_text(encoding="utf-8")
    assert feedback.startswith("# Nhận xét cho grace") and "**Tổng: 5 / 10 (50%)**" in feedback
    assert "| TODO | trạng thái | điểm |" in feedback and "lesson03 · Lan truyền ngược" in feedback
    assert "Gợi ý:" in feedback and "Hint:" not in feedback
    assert "chưa bắt đầu" in (out / "linus" / "feedback.md").read_text(encoding="utf-8")
    results = json.loads((out / "grace" / "results.json").read_text(encoding="utf-8"))
    assert any("Gợi ý:" in t["output"] for t in results["tests"])
    assert any(t["output"] == "đạt" for t in results["tests"])

    bad = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out)],
                         capture_output=True, text=True, cwd=PROJECT, env={**os.environ, "GRADER_LANG": "fr"})
    assert bad.returncode == 2 and "unknown GRADER_LANG value 'fr'" in bad.stderr
