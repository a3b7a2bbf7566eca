"""The released template's README, run as a student would (issue 12): `grader release --with-mnist`,
then every ```bash block of its README in order, in the template, in a fresh virtual environment
made by the machine's own `python3` (no system site-packages, nothing of ours).

This machine cannot reach the PyTorch CPU index, so its URL is swapped for a local PEP 503 index
written into tmp: the CPU torch wheel and the torchvision built for it, found through pip's own
configuration (find-links folders and file:// indexes), and every other project of those indexes,
as the real CPU index also carries torch's dependencies. The student's default index stands for
PyPI: the machine's file:// indexes without the find-links folder (where the CPU torch lies), so
torch can only come from the swapped line. Each PowerShell block must say what its bash block says.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse
from urllib.request import pathname2url

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from grader.classroom.generated import TORCH_CPU_INDEX

pytestmark = pytest.mark.slow

FIRST_LESSON = "lesson03"
BLOCK = re.compile(r"^```(bash|powershell)\n(.*?)^```", re.S | re.M)


# ---------------------------------------------------------------- the README's commands


def command_blocks(readme: str) -> list[tuple[str, list[str]]]:
    return [(kind, [line for line in body.splitlines() if line.strip()]) for kind, body in BLOCK.findall(readme)]


def as_bash(powershell_line: str) -> str:
    """A PowerShell line of the README written the bash way, to compare with its bash twin."""
    line = powershell_line.replace("py -m venv", "python3 -m venv").replace(".venv\\Scripts\\", ".venv/bin/")
    return line.replace("\\", "/")


def test_each_powershell_block_says_what_its_bash_block_says():
    from grader.checks import load_lesson
    from grader.classroom.generated import readme_text
    lessons = [load_lesson("lesson03"), load_lesson("lesson05")]
    for with_mnist in (False, True):
        blocks = command_blocks(readme_text(lessons, needs_mnist=True, with_mnist=with_mnist))
        assert [kind for kind, _ in blocks] == ["bash", "powershell"] * (len(blocks) // 2) and blocks
        for (_, bash), (_, powershell) in zip(blocks[::2], blocks[1::2]):
            assert [as_bash(line) for line in powershell] == bash


# ---------------------------------------------------------------- the wheels, through pip's configuration


def pip_settings() -> tuple[list[Path], list[str]]:
    """(find-links folders, file:// index URLs) as `pip config list` reports them."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    folders, indexes = [], []
    for key, value in re.findall(r"^(\S+?)='(.*)'$", listed, re.M):
        for item in value.split():
            if key.endswith(".find-links"):
                path = Path(unquote(urlparse(item).path)) if item.startswith("file:") else Path(item)
                if path.is_dir() and path not in folders:
                    folders.append(path)
            elif key.endswith("index-url") and item.startswith("file:") and item.rstrip("/") not in indexes:
                indexes.append(item.rstrip("/"))
    return folders, indexes


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


def index_links(index: str, project: str) -> list[str]:
    """Absolute URLs of a file:// PEP 503 index's files for one project."""
    page = f"{index}/{project}/"
    path = Path(unquote(urlparse(page).path)) / "index.html"
    if not path.is_file():
        return []
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return [urljoin(page, href) for href in parser.hrefs]


def file_of(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def wheels(project: str, folders: list[Path], indexes: list[str]) -> list[Path]:
    found = [p for folder in folders for p in folder.glob(f"{project}-*.whl")]
    found += [file_of(url) for index in indexes for url in index_links(index, project)
              if urlparse(url).path.endswith(".whl")]
    return [p for p in dict.fromkeys(found) if p.is_file()]


def version_of(wheel: Path) -> Version:
    return parse_wheel_filename(wheel.name)[1]


def fits(wheel: Path, python_tag: str) -> bool:
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return any(t.interpreter == python_tag and t.platform.endswith(os.uname().machine) for t in tags)


def requires_torch(wheel: Path, torch_version: Version) -> bool:
    """Whether the wheel's metadata asks for exactly this torch (torchvision is built for one)."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    needs = [Requirement(r) for r in re.findall(r"^Requires-Dist: (.*)$", text, re.M)]
    return any(r.name == "torch" and any(s.operator == "==" for s in r.specifier)
               and r.specifier.contains(torch_version) for r in needs)


def cpu_wheels(python_tag: str) -> tuple[Path, Path] | None:
    """The newest CPU torch wheel for this Python, and the torchvision that requires that torch (its
    CPU build where there is one)."""
    folders, indexes = pip_settings()
    torches = sorted((w for w in wheels("torch", folders, indexes)
                      if fits(w, python_tag) and parse_wheel_filename(w.name)[1].local == "cpu"),
                     key=lambda w: parse_wheel_filename(w.name)[1])
    for torch_wheel in reversed(torches):
        public = Version(parse_wheel_filename(torch_wheel.name)[1].public)
        visions = sorted((w for w in wheels("torchvision", folders, indexes)
                          if fits(w, python_tag) and requires_torch(w, public)),
                         key=lambda w: (version_of(w).local == "cpu", version_of(w)))
        if visions:
            return torch_wheel, visions[-1]
    return None


def write_cpu_index(root: Path, torch_wheel: Path, vision_wheel: Path, indexes: list[str]) -> str:
    """A PEP 503 index standing for the PyTorch CPU index: the two wheels, and every other project of
    the machine's indexes (the real one carries torch's dependencies too)."""
    projects = {}
    for index in indexes:
        for folder in sorted(file_of(index).iterdir()):
            if folder.is_dir() and folder.name not in ("torch", "torchvision"):
                projects.setdefault(folder.name, []).extend(index_links(index, folder.name))
    projects["torch"] = [torch_wheel.as_uri()]
    projects["torchvision"] = [vision_wheel.as_uri()]
    for name, links in projects.items():
        (root / name).mkdir(parents=True)
        anchors = "".join(f'<a href="{url}">{unquote(urlparse(url).path).rsplit("/", 1)[-1]}</a>\n' for url in links)
        (root / name / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{anchors}</body></html>\n")
    (root / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "".join(
        f'<a href="{name}/">{name}</a>\n' for name in sorted(projects)) + "</body></html>\n")
    return "file:" + pathname2url(str(root))


def exact_pins_missing(pyproject: Path, indexes: list[str]) -> list[tuple[str, str]]:
    """The template's `name==version` dependencies that the machine's indexes do not hold (real PyPI does)."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    pins = [(r.name, str(next(iter(r.specifier)).version)) for r in map(Requirement, dependencies)
            if len(r.specifier) == 1 and next(iter(r.specifier)).operator == "=="]
    return [(name, version) for name, version in pins
            if not any(f"-{version}-" in url or f"-{version}.tar" in url
                       for index in indexes for url in index_links(index, name.lower()))]


def repack(name: str, version: str, folder: Path) -> Path:
    """Our installed copy of a distribution packed back into a wheel with its own tags (the student's
    venv is made by the same Python on the same machine)."""
    dist = metadata.distribution(name)
    assert dist.version == version, f"the release pinned {name}=={version}, this environment has {dist.version}"
    info = f"{dist.metadata['Name'].replace('-', '_')}-{version}.dist-info"
    skipped = {f"{info}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    files = [f for f in dist.files if "__pycache__" not in f.parts and not f.as_posix().startswith("..")
             and f.as_posix() not in skipped]
    tag = re.findall(r"^Tag: (\S+)$", dist.read_text("WHEEL"), re.M)[-1]
    wheel = folder / f"{info.removesuffix('.dist-info')}-{tag}.whl"
    folder.mkdir(parents=True, exist_ok=True)
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            data = Path(dist.locate_file(f)).read_bytes()
            archive.writestr(f.as_posix(), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{f.as_posix()},sha256={digest},{len(data)}")
        archive.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return wheel


# ---------------------------------------------------------------- the student's machine


def student_path() -> str:
    """PATH without our virtual environment."""
    ours = Path(sys.prefix).resolve()
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and ours not in (Path(p).resolve(), *Path(p).resolve().parents))


def student_env(indexes: list[str], find_links: Path | None = None) -> dict:
    """This machine without us: no venv of ours on PATH, no grader settings; pip's default index is the
    machine's file:// indexes (PyPI here) without its find-links folder."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "GRADER_", "PYTHON", "VIRTUAL_ENV", "CONDA"))}
    env["PATH"] = student_path()
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=indexes[0], PIP_EXTRA_INDEX_URL=" ".join(indexes[1:]),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", PIP_NO_INPUT="1",
               BROWSER="true")   # `python -m notebook` opens no browser here
    if find_links is not None:
        env["PIP_FIND_LINKS"] = str(find_links)
    return env


def sh(line: str, root: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def score_table(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == ["TODO", "status", "points"])
    end = next(i for i in range(start, len(lines)) if lines[i].split()[:1] == ["total"])
    return lines[start:end + 1]


def serve_briefly(line: str, root: Path, env: dict, log: Path) -> str:
    """Start the README's notebook server, wait until it serves, stop it; what it printed. Jupyter's
    settings and runtime files in tmp; running as root (this machine, not a student's) allowed there."""
    jupyter = log.parent / "jupyter"
    (jupyter / "config").mkdir(parents=True)
    if os.geteuid() == 0:
        (jupyter / "config" / "jupyter_server_config.json").write_text('{"ServerApp": {"allow_root": true}}')
    env = {**env, "JUPYTER_CONFIG_DIR": str(jupyter / "config"), "JUPYTER_DATA_DIR": str(jupyter / "data"),
           "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime")}
    with log.open("w") as sink:
        server = subprocess.Popen(["bash", "-c", f"exec {line}"], cwd=root, env=env, stdout=sink,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and server.poll() is None:
                if re.search(r"http://(localhost|127\.0\.0\.1):\d+/", log.read_text()):
                    break
                time.sleep(0.5)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
    return log.read_text()


# ---------------------------------------------------------------- the test


def test_the_readme_run_in_order_in_a_fresh_environment(tmp_path):
    python3 = shutil.which("python3", path=student_path())
    if python3 is None:
        pytest.skip("no python3 on PATH to make the student's environment with")
    probe = subprocess.run([python3, "-c", "import sys, importlib.util; print(f'cp{sys.version_info[0]}"
                            "{sys.version_info[1]}', importlib.util.find_spec('pytest') is not None, "
                            "importlib.util.find_spec('torch') is not None)"],
                           capture_output=True, text=True, env={**os.environ, "PATH": student_path()})
    python_tag, has_pytest, has_torch = probe.stdout.split()
    found = cpu_wheels(python_tag)
    if found is None:
        pytest.skip(f"no CPU torch wheel for {python_tag} (and torchvision for it) in pip's find-links or "
                    "file:// indexes (`pip config list`), and the PyTorch CPU index is out of reach")
    torch_wheel, vision_wheel = found
    _, indexes = pip_settings()
    cpu_index = write_cpu_index(tmp_path / "cpu-index", torch_wheel, vision_wheel, indexes)

    root = tmp_path / "template"
    released = subprocess.run([sys.executable, "-m", "grader", "release", "--out", str(root), "--with-mnist",
                               "--lessons", "3,5", "--no-catalogue"], cwd=tmp_path, capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, timeout=900)
    assert released.returncode == 0, released.stdout + released.stderr
    # real PyPI holds every release the template pins (hypothesis, for the recorded answers); this
    # machine's indexes may not: those come from our own installed copies, packed back into wheels
    missing = exact_pins_missing(root / "pyproject.toml", indexes)
    for name, version in missing:
        repack(name, version, tmp_path / "pinned")
    env = student_env(indexes, tmp_path / "pinned" if missing else None)
    readme = (root / "README.md").read_text()
    blocks = command_blocks(readme)
    bash_lines = [line for kind, lines in blocks if kind == "bash" for line in lines]
    assert bash_lines[0] == "python3 -m venv .venv" and f"--index-url {TORCH_CPU_INDEX}" in bash_lines[1]
    stub_run = next(line for line in bash_lines if "-m pytest" in line)
    assert stub_run == f".venv/bin/python -m pytest exercises/{FIRST_LESSON}"
    # what the released tree does with the grader's own environment: the stub run the student's must match
    ours = subprocess.run([sys.executable, "-m", "pytest", f"exercises/{FIRST_LESSON}"], cwd=root, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(root),
                                                    "PYTHONDONTWRITEBYTECODE": "1"}, timeout=600)

    notebook_installable = any(index_links(i, "notebook") for i in indexes)
    ran = []
    for line in bash_lines:
        if "notebook" in line and not notebook_installable:
            warnings.warn(f"not run: `{line}` (no notebook package in this machine's indexes: Jupyter cannot be "
                          "installed offline)", stacklevel=1)
            continue
        if "-m notebook " in line:
            served = serve_briefly(line, root, env, tmp_path / "notebook.log")
            assert re.search(r"http://(localhost|127\.0\.0\.1):\d+/", served), served[-3000:]
            ran.append(line)
            continue
        done = sh(line.replace(TORCH_CPU_INDEX, cpu_index), root, env)
        ran.append(line)
        output = done.stdout + done.stderr
        if line == stub_run:
            assert done.returncode == ours.returncode != 0, output[-3000:]
            assert score_table(done.stdout) == score_table(ours.stdout), output[-3000:]
            assert "not started" in "\n".join(score_table(done.stdout))
        elif " classroom " in line:
            assert done.returncode == 0, output[-3000:]
            result = json.loads(done.stdout)
            assert result["max_score"] == 10 and sum(t["score"] for t in result["tests"]) == 0
            assert "not started" in done.stderr
        else:
            assert done.returncode == 0, f"{line}\n{output[-3000:]}"
        if line == "python3 -m venv .venv":      # fresh: the machine's Python, nothing of ours
            config = (root / ".venv" / "pyvenv.cfg").read_text()
            assert "include-system-site-packages = false" in config
            assert str(Path(sys.prefix).resolve()) not in config
    assert [line for line in bash_lines if line not in ran] == ([] if notebook_installable else
                                                               [line for line in bash_lines if "notebook" in line])
    # what the swapped line installed (by metadata: a torchvision that is not a CPU build, the only one
    # some machines have, does not import beside the CPU torch)
    installed = sh(".venv/bin/python -c 'from importlib.metadata import version; "
                   "print(version(\"torch\"), version(\"torchvision\"))'", root, env).stdout.split()
    assert installed == [str(parse_wheel_filename(w.name)[1]) for w in (torch_wheel, vision_wheel)]

    # outside the environment: the machine's python3 (pytest, no torch) says in one line which Python to use
    if has_pytest == "True" and has_torch == "False":
        done = sh(f"python3 -m pytest exercises/{FIRST_LESSON}", root, env)
        (line,) = [line for line in re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr).splitlines()
                   if line.strip()]
        assert done.returncode != 0 and f".venv/bin/python -m pytest exercises/{FIRST_LESSON}" in line, line


def test_the_swapped_index_holds_only_the_cpu_torch(tmp_path):
    """The local stand-in for the CPU index offers torch and torchvision as the CPU builds only."""
    found = cpu_wheels(f"cp{sys.version_info[0]}{sys.version_info[1]}")
    if found is None:
        pytest.skip("no CPU torch wheel reachable through pip's configuration")
    _, indexes = pip_settings()
    url = write_cpu_index(tmp_path / "index", *found, indexes)
    assert index_links(url, "torch") == [found[0].as_uri()]
    assert index_links(url, "torchvision") == [found[1].as_uri()]
    assert Version(str(parse_wheel_filename(found[0].name)[1])).local == "cpu"
