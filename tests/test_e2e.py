"""The course on a local JupyterHub, end to end in Chromium (tools/e2e_hub.py, `make e2e`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import book_config, e2e_hub

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")


def _missing_or_skip(what: str, hint: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: {hint}")
    pytest.skip(f"{what} not installed ({hint})")


def test_release_submit_grade_feedback_on_a_local_hub(repository):
    """Release, fetch, validate, submit, grade: formgrader and the feedback show 100 and 0; the
    book's JupyterHub button pulls the student edition, nothing private, and opens the lab."""
    if not CHROMIUM.is_file():
        _missing_or_skip("Chromium", "make browser")
    if shutil.which("npm") is None:
        _missing_or_skip("npm", "the hub's proxy is installed with npm ci in deploy/")
    out = repository / "artifacts" / "e2e"  # the screenshots stay there for a person to look at
    result = subprocess.run(
        [sys.executable, "-m", "tools.e2e_hub", "--out", str(out)],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ok"] and not summary["external_requests"]
    good, blank = sorted(summary["feedback_scores"])
    assert summary["feedback_scores"][good] == [100.0, 100.0]
    assert summary["feedback_scores"][blank] == [0.0, 100.0]
    assert summary["formgrader_scores"] == {good: [100.0, 100.0], blank: [0.0, 100.0]}
    shots = {step["step"] for step in summary["steps"] if step["screenshot"]}
    for step in (
        "student1-validated",
        "student1-submitted",
        "student2-submitted",
        "instructor-formgrader-grades",
        "student2-lab-from-launch-link",
    ):
        assert step in shots, f"no screenshot of {step}"

    # What the book's JupyterHub button gave the second student: the edition, nothing private.
    edition = summary["edition"]
    assert edition["repository"].startswith("file:///") and edition["folder"] == "gan-course"
    assert edition["link"] == book_config.jupyterhub_link(
        summary["hub"], edition["repository"], edition["branch"], "gan-course", e2e_hub.LAB
    )
    pulled = set(edition["pulled"])
    assert {"book", "assignments", "data", "gancourse", "pyproject.toml"} <= pulled, pulled
    assert not {"solutions", "autograder", "tests", ".ci", "tools", "deploy"} & pulled, pulled
