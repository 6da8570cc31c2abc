"""The course's public addresses: the student edition's repository and branch, the hub, the book.

One place sets them: ``addresses.toml`` at the repository root, each value overridable by an
environment variable (the publishing workflow sets them from the repository's settings). An
empty value means "not published": whatever would link there is left out, never pointed at a
placeholder.

    python -m gancourse.addresses          # prints what a build would use, as JSON
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

#: The settings file, beside the package in a checkout.
SETTINGS = Path(__file__).resolve().parent.parent / "addresses.toml"
#: Environment variables that override the file, by field.
ENVIRONMENT = {
    "edition_repository": "GANCOURSE_EDITION_REPOSITORY",
    "edition_branch": "GANCOURSE_EDITION_BRANCH",
    "hub_url": "GANCOURSE_HUB_URL",
    "book_url": "GANCOURSE_BOOK_URL",
}
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(\.git)?/?$")


class AddressError(ValueError):
    """A setting that is present but cannot be used; the message names it."""


@dataclass(frozen=True)
class Addresses:
    edition_repository: str = ""
    edition_branch: str = "main"
    hub_url: str = ""
    book_url: str = ""

    @property
    def github(self) -> tuple[str, str] | None:
        """(owner, name) of the student edition's GitHub repository, or None when unset."""
        if not self.edition_repository:
            return None
        match = _GITHUB.match(self.edition_repository)
        return (match["owner"], match["name"]) if match else None

    def colab_url(self, path: str) -> str:
        """Colab's address of the edition's notebook at ``path`` (relative to the edition's root);
        empty when the edition has no GitHub repository."""
        if not self.github:
            return ""
        owner, name = self.github
        return f"https://colab.research.google.com/github/{owner}/{name}/blob/{self.edition_branch}/{path}"

    def raw_archive_url(self) -> str:
        """The edition branch as a .zip archive (what the Colab cell downloads); empty if unset."""
        if not self.github:
            return ""
        owner, name = self.github
        return f"https://github.com/{owner}/{name}/archive/refs/heads/{self.edition_branch}.zip"


def _check(addresses: Addresses) -> Addresses:
    repository = addresses.edition_repository
    if repository and not re.fullmatch(r"(https://|file:///)[^\s\"'<>]+", repository):
        # Any git URL nbgitpuller can clone (file:// for a local hub); Colab needs GitHub.
        raise AddressError(
            f"student_edition.repository {repository!r} is not a git URL such as "
            "https://github.com/OWNER/NAME (Colab opens notebooks from GitHub only)"
        )
    if not addresses.edition_branch or not re.fullmatch(r"[\w./-]+", addresses.edition_branch):
        raise AddressError(f"student_edition.branch {addresses.edition_branch!r} is not a branch")
    for key in ("hub_url", "book_url"):
        value = getattr(addresses, key)
        if value and not re.fullmatch(r"https?://[^\s\"'<>]+", value):
            raise AddressError(f"{key} {value!r} is not an http(s) address")
    return addresses


def load(path: Path | str | None = SETTINGS, environ=None) -> Addresses:
    """The addresses from ``path`` (missing file: all empty), then the environment's overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    if path is not None and Path(path).is_file():
        data = tomllib.loads(Path(path).read_text())
        edition = data.get("student_edition", {})
        values = {
            "edition_repository": edition.get("repository", ""),
            "edition_branch": edition.get("branch", "main"),
            "hub_url": data.get("hub", {}).get("url", ""),
            "book_url": data.get("book", {}).get("url", ""),
        }
    for key, variable in ENVIRONMENT.items():
        if environ.get(variable) is not None:
            values[key] = environ[variable]
    values = {k: str(v).strip() for k, v in values.items()}
    if not values.get("edition_branch"):
        values.pop("edition_branch", None)
    return _check(Addresses(**values))


if __name__ == "__main__":
    print(json.dumps(asdict(load()), indent=2))
