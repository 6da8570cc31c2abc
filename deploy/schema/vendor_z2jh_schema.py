"""Vendor Zero to JupyterHub's values schema at a chart release, the way the chart builds it.

The chart keeps its schema as ``jupyterhub/values.schema.yaml`` and, when it is packaged, turns it
into the ``values.schema.json`` that ``helm`` validates values against
(``tools/generate-json-schema.py``: load the YAML, drop every ``description``, dump JSON). This
script does the same from a git clone of jupyterhub/zero-to-jupyterhub-k8s at a release tag, so
that ``tests/test_deploy.py`` validates ``deploy/z2jh-values.yaml`` offline against the very
schema that ``helm upgrade`` uses for the chart version that deploy/README.md pins::

    git clone https://github.com/jupyterhub/zero-to-jupyterhub-k8s /tmp/z2jh
    python deploy/schema/vendor_z2jh_schema.py /tmp/z2jh 4.4.0

It writes ``z2jh-values.schema.json`` (indented, otherwise what the chart ships), the chart's
default values ``z2jh-default-values.json`` (``jupyterhub/values.yaml`` as JSON, its comments
dropped: helm validates the defaults merged with the given values, not the given values alone), ``z2jh-LICENSE`` (the chart's
licence) and ``z2jh-source.json`` (tag and commit) beside itself.
"""

import json
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def clean_jsonschema(d: dict) -> None:
    """The chart's own clean-up (tools/generate-json-schema.py): drop ``description`` keys,
    recursing through ``properties`` only, where a value may legitimately be named like that."""
    d.pop("description", None)
    for value in d.get("properties", {}).values():
        if isinstance(value, MutableMapping):
            clean_jsonschema(value)


def git(repository: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repository), *args], check=True, capture_output=True, text=True
    ).stdout


def main(repository: str, tag: str) -> None:
    repo = Path(repository)
    commit = git(repo, "rev-list", "-n", "1", tag).strip()
    schema = yaml.safe_load(git(repo, "show", f"{commit}:jupyterhub/values.schema.yaml"))
    clean_jsonschema(schema)
    (HERE / "z2jh-values.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
    defaults = yaml.safe_load(git(repo, "show", f"{commit}:jupyterhub/values.yaml"))
    (HERE / "z2jh-default-values.json").write_text(json.dumps(defaults, indent=2) + "\n")
    (HERE / "z2jh-LICENSE").write_text(git(repo, "show", f"{commit}:LICENSE"))
    source = {
        "repository": "https://github.com/jupyterhub/zero-to-jupyterhub-k8s",
        "tag": tag,
        "commit": commit,
        "path": "jupyterhub/values.schema.yaml",
        "defaults": "jupyterhub/values.yaml",
        "conversion": "tools/generate-json-schema.py (descriptions dropped, YAML to JSON)",
    }
    (HERE / "z2jh-source.json").write_text(json.dumps(source, indent=2) + "\n")
    print(f"z2jh-values.schema.json from {tag} ({commit})")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python deploy/schema/vendor_z2jh_schema.py Z2JH_GIT_CLONE CHART_TAG")
    main(sys.argv[1], sys.argv[2])
