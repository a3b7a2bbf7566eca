"""The release's seal (grader/classroom/seal.py): the manifest's digest in the checks package and the
workflow; a manifest rewritten alone no longer matches them."""

from grader.classroom import seal

DIGEST = "ab" * 32
WORKFLOW = f"""name: Autograding Tests
{seal.workflow_env(DIGEST)}jobs: {{}}
"""


def sealed_tree(root, module_digest=DIGEST, workflow_digest=DIGEST):
    (root / "grader" / "checks").mkdir(parents=True)
    (root / seal.SEAL_MODULE).write_text(seal.seal_module_text(module_digest))
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / seal.WORKFLOW).write_text(WORKFLOW.replace(DIGEST, workflow_digest))
    return root


def test_an_intact_seal_has_no_problem(tmp_path):
    root = sealed_tree(tmp_path)
    assert seal.sealed(root) == {seal.SEAL_MODULE: DIGEST, seal.WORKFLOW: DIGEST}
    assert seal.problems(root, DIGEST) == []


def test_a_rewritten_manifest_no_longer_matches_either_place(tmp_path):
    root = sealed_tree(tmp_path)
    problems = seal.problems(root, "cd" * 32)
    assert len(problems) == 2 and all("does not match the digest recorded in" in p for p in problems)


def test_one_place_changed_or_missing_is_named(tmp_path):
    root = sealed_tree(tmp_path, workflow_digest="ef" * 32)
    assert seal.problems(root, DIGEST) == [
        f"the release manifest ({DIGEST[:12]}) does not match the digest recorded in {seal.WORKFLOW} ({'ef' * 6})"]
    (root / seal.SEAL_MODULE).unlink()
    assert f"{seal.SEAL_MODULE} has no release digest" in seal.problems(root, DIGEST)


def test_the_workflow_is_hashed_with_its_digest_blanked():
    other = WORKFLOW.replace(DIGEST, "12" * 32).encode()
    assert seal.blank_workflow_digest(WORKFLOW.encode()) == seal.blank_workflow_digest(other)
    assert seal.blank_workflow_digest(WORKFLOW.encode()) != seal.blank_workflow_digest(other.replace(b"jobs", b"job"))
