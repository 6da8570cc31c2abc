"""The course's addresses: one file, environment overrides, and no address that leads nowhere."""

from __future__ import annotations

import pytest

from gancourse.addresses import AddressError, Addresses, load


def test_the_committed_settings_publish_nothing_yet():
    """Until the course is published, every address is empty (no placeholder reaches a page)."""
    addresses = load(environ={})
    assert (addresses.edition_repository, addresses.hub_url, addresses.book_url) == ("", "", "")
    assert addresses.colab_url("book/labs/dcgan-mnist.ipynb") == ""
    assert addresses.raw_archive_url() == ""


def test_the_file_then_the_environment(tmp_path):
    settings = tmp_path / "addresses.toml"
    settings.write_text(
        '[student_edition]\nrepository = "https://github.com/uni/gan-student"\nbranch = "live"\n'
        '[hub]\nurl = "https://hub.uni.example"\n'
    )
    addresses = load(settings, environ={})
    assert addresses.github == ("uni", "gan-student")
    assert addresses.colab_url("book/labs/x.ipynb") == (
        "https://colab.research.google.com/github/uni/gan-student/blob/live/book/labs/x.ipynb"
    )
    assert addresses.raw_archive_url().endswith("/uni/gan-student/archive/refs/heads/live.zip")
    overridden = load(settings, environ={"GANCOURSE_HUB_URL": "", "GANCOURSE_EDITION_BRANCH": ""})
    assert overridden.hub_url == "", "an empty variable unsets the file's value"
    assert overridden.edition_branch == "main", "an empty branch falls back to main"


def test_a_local_repository_serves_the_hub_but_not_colab():
    addresses = load(None, environ={"GANCOURSE_EDITION_REPOSITORY": "file:///srv/edition.git"})
    assert addresses.github is None and addresses.colab_url("book/labs/x.ipynb") == ""


@pytest.mark.parametrize(
    "variable, value",
    [
        ("GANCOURSE_EDITION_REPOSITORY", "git@github.com:uni/gan-student"),
        ("GANCOURSE_EDITION_REPOSITORY", "gan-course/gan-course"),
        ("GANCOURSE_EDITION_BRANCH", "main; rm -rf /"),
        ("GANCOURSE_HUB_URL", "hub.uni.example"),
        ("GANCOURSE_BOOK_URL", "javascript:alert(1)"),
    ],
)
def test_an_unusable_address_is_refused_by_name(variable, value):
    with pytest.raises(AddressError):
        load(None, environ={variable: value})


def test_defaults():
    assert Addresses().edition_branch == "main"
