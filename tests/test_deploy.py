"""The hub recipes in deploy/: Zero to JupyterHub values against the chart's own schema, the user
image's Dockerfile through hadolint, and the course's hub configuration as JupyterHub loads it.

Nothing here runs a cluster, a TLJH machine or Docker (deploy/README.md says what stays untested);
each tool-based check is also shown to fail on a mutated copy, so a green run means something.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

REPOSITORY = Path(__file__).resolve().parent.parent
DEPLOY = REPOSITORY / "deploy"
SCHEMA = DEPLOY / "schema" / "z2jh-values.schema.json"
CHART_DEFAULTS = DEPLOY / "schema" / "z2jh-default-values.json"
VALUES = DEPLOY / "z2jh-values.yaml"
BIN = Path(sys.executable).parent
CHART_VERSION = "4.4.0"
COURSE = "gan-course"
# Variables of the hub configuration that the tests set; cleared around each load.
HUB_VARIABLES = (
    "GANCOURSE_USER_DEPLOY_DIR",
    "GANCOURSE_USER_EDITION_DIR",
    "GANCOURSE_GRADER_SINGLEUSER",
    "GANCOURSE_GRADER_PORT",
    "GANCOURSE_INSTRUCTORS",
    "GANCOURSE_STUDENTS",
)


def _tool(name: str) -> str:
    path = BIN / name
    if not path.is_file():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: it is in requirements.txt (make venv)")
        return found
    return str(path)


# --- Zero to JupyterHub values against the chart's schema ------------------------------------


def coalesce(defaults: dict, values: dict) -> dict:
    """The values helm validates: the chart's defaults with the given values on top (maps merge
    key by key, anything else replaces, ``null`` deletes a default), as ``helm`` coalesces them."""
    merged = copy.deepcopy(defaults)
    for key, value in values.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_values(values: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema on the chart's defaults coalesced with ``values``."""
    merged = coalesce(json.loads(CHART_DEFAULTS.read_text()), values)
    document = tmp_path / "merged-values.json"
    document.write_text(json.dumps(merged))
    return subprocess.run(
        [_tool("check-jsonschema"), "--schemafile", str(SCHEMA), str(document)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def test_schema_is_the_pinned_chart_release(repository):
    """The vendored schema comes from the chart release that deploy/README.md installs."""
    source = json.loads((DEPLOY / "schema" / "z2jh-source.json").read_text())
    assert source["tag"] == CHART_VERSION and len(source["commit"]) == 40, source
    assert (DEPLOY / "schema" / "z2jh-LICENSE").read_text().startswith("BSD 3-Clause License")
    readme = (DEPLOY / "README.md").read_text()
    assert f"--version {CHART_VERSION}" in readme, "deploy/README.md installs another chart version"
    assert f"--version {CHART_VERSION}" in VALUES.read_text()
    schema = json.loads(SCHEMA.read_text())
    assert schema["additionalProperties"] is False and "hub" in schema["properties"]

    def described(node: dict) -> bool:  # the chart's conversion drops them along "properties"
        return "description" in node or any(
            described(v) for v in node.get("properties", {}).values() if isinstance(v, dict)
        )

    assert not described(schema), "not converted as the chart's tools/generate-json-schema.py does"
    defaults = json.loads(CHART_DEFAULTS.read_text())
    assert defaults["hub"]["config"]["JupyterHub"]["authenticator_class"] == "dummy"


def test_z2jh_values_pass_the_chart_schema(values, tmp_path):
    """deploy/z2jh-values.yaml, as helm merges it with the chart's defaults, passes the schema."""
    result = check_values(values, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda v: v["singleuser"].update(extraEnvs=v["singleuser"].pop("extraEnv")), "extraEnvs"),
        (lambda v: v["hub"].update(extraFile=v["hub"].pop("extraFiles")), "extraFile"),
        (lambda v: v["hub"]["extraFiles"]["gan-course"].pop("stringData"), "extraFiles"),
        (lambda v: v["cull"].update(timeout="an hour"), "timeout"),
        (
            lambda v: v["singleuser"]["networkPolicy"]["egressAllowRules"].update(privateIPs="yes"),
            "privateIPs",
        ),
    ],
    ids=[
        "misspelt-key",
        "misspelt-section",
        "extra-file-without-content",
        "not-a-number",
        "not-a-bool",
    ],
)
def test_the_schema_check_can_fail(values, tmp_path, mutation, expected):
    """A misspelt key or an invalid value in a copy of the values fails the same check."""
    mutated = copy.deepcopy(values)
    mutation(mutated)
    result = check_values(mutated, tmp_path)
    assert result.returncode != 0, f"the schema accepted a broken copy ({expected})"
    assert expected in result.stdout, result.stdout


def test_z2jh_values_let_the_class_in_and_configure_the_services(values):
    """A real authenticator (the chart's default takes any password); JupyterHub 5 allows no one
    by default; ngshare and the grader are services as their docs configure them."""
    hub = values["hub"]
    login = coalesce(json.loads(CHART_DEFAULTS.read_text()), values)["hub"]["config"]
    assert login["JupyterHub"]["authenticator_class"] != "dummy", "dummy takes any password"
    authenticator = hub["config"]["Authenticator"]
    assert authenticator.get("allow_all") is True or authenticator.get("allowed_users"), (
        "set hub.config.Authenticator.allowed_users or allow_all: JupyterHub 5 lets no one in"
    )
    groups = hub["config"]["JupyterHub"]["load_groups"]
    assert set(groups) == {f"formgrade-{COURSE}", f"nbgrader-{COURSE}"}
    members = {name for group in groups.values() for name in group["users"]}
    if not authenticator.get("allow_all"):
        assert members <= set(authenticator["allowed_users"]), "a group member is not allowed in"
    # ngshare's Helm chart notes: a service with oauth_no_confirm; the users reach it by URL.
    ngshare = hub["services"]["ngshare"]
    assert ngshare["oauth_no_confirm"] is True
    assert values["singleuser"]["extraEnv"]["NGSHARE_URL"] == ngshare["url"] + "/services/ngshare"
    # nbgrader: the formgrader's service is named after the course; deploy/z2jh-grader.yaml runs it.
    grader = hub["services"][COURSE]
    manifests = list(yaml.safe_load_all((DEPLOY / "z2jh-grader.yaml").read_text()))
    service = next(m for m in manifests if m["kind"] == "Service")
    deployment = next(m for m in manifests if m["kind"] == "Deployment")
    name, namespace = service["metadata"]["name"], "gan-course"
    port = service["spec"]["ports"][0]["port"]
    assert grader["url"] == f"http://{name}.{namespace}.svc.cluster.local:{port}"
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token == {"name": "hub", "key": f"hub.services.{COURSE}.apiToken"}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == COURSE
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == f"/services/{COURSE}/"
    assert env["JUPYTER_CONFIG_PATH"]["value"].endswith("/deploy/jupyter/grader")
    # No frame header in what the hub recipes install.
    assert "frame-ancestors" not in VALUES.read_text()


def test_z2jh_values_carry_the_course_hub_configuration(values):
    """hub.extraFiles holds deploy/jupyterhub_config.py as it is (python deploy/sync_z2jh_values.py)."""
    carried = values["hub"]["extraFiles"][COURSE]
    assert carried["mountPath"] == f"/usr/local/etc/jupyterhub/jupyterhub_config.d/{COURSE}.py"
    assert carried["stringData"] == (DEPLOY / "jupyterhub_config.py").read_text(), (
        "deploy/z2jh-values.yaml carries an old copy: run python deploy/sync_z2jh_values.py"
    )


# --- the single-user image ----------------------------------------------------------------------


def hadolint(dockerfile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_tool("hadolint"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dockerfile_has_no_hadolint_findings():
    """hadolint reports nothing on deploy/Dockerfile, at any level (info included)."""
    result = hadolint(DEPLOY / "Dockerfile")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        (
            "FROM quay.io/jupyter/minimal-notebook:2026-04-27",
            "FROM quay.io/jupyter/minimal-notebook",
            "DL3006",
        ),
        ("pip install --no-cache-dir --requirement", "pip install --requirement", "DL3042"),
        ("USER 1000", "USER 0", "DL3002"),
    ],
    ids=["unpinned-base", "pip-cache", "ends-as-root"],
)
def test_hadolint_check_can_fail(tmp_path, old, new, rule):
    """An unpinned base image, a pip cache, or root as the last user fails the same check."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert old in text
    mutated = tmp_path / "Dockerfile"
    mutated.write_text(text.replace(old, new))
    result = hadolint(mutated)
    assert result.returncode != 0 and rule in result.stdout, result.stdout


def test_dockerfile_builds_from_the_student_edition_only():
    """The image takes the course from the student edition, pinned base, with the course variables;
    its build context holds nothing but deploy/jupyter and deploy/docker."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert "FROM quay.io/jupyter/minimal-notebook:2026-04-27" in text
    assert "/srv/gan-course/requirements/runtime.txt" in text
    assert "test ! -e /srv/gan-course/solutions" in text
    for variable in (
        "GANCOURSE_DATA_DIR=/srv/gan-course/data",
        "GANCOURSE_WEIGHTS_DIR=/srv/gan-course/data/weights",
    ):
        assert variable in text
    hook = (DEPLOY / "docker" / "20tensorboard-proxy-env.sh").read_text()
    assert 'TENSORBOARD_PROXY_URL="${JUPYTERHUB_SERVICE_PREFIX:-/}proxy/%PORT%/"' in hook
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ignore[ignore.index("*") :] == [
        "*",
        "!deploy/jupyter",
        "deploy/jupyter/local-hub",
        "!deploy/docker",
    ]
    copied = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ")]
    assert copied and all(p.startswith(("deploy/jupyter", "deploy/docker")) for p in copied), copied


# --- the course's hub configuration, loaded as JupyterHub loads it ------------------------------


@pytest.fixture
def hub_environment(monkeypatch):
    for name in HUB_VARIABLES:
        # set, then delete: monkeypatch restores the variable (or its absence) afterwards, also
        # where a configuration file set it with os.environ.setdefault.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return monkeypatch


def load(path: Path):
    """A JupyterHub configuration file as the hub loads it (load_subconfig included)."""
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


class _Group:
    def __init__(self, name):
        self.name = name


class _User:
    def __init__(self, name, groups):
        self.name, self.groups = name, [_Group(g) for g in groups]


class _Server:
    base_url = "/user/alice/"


class _Spawner:
    def __init__(self, user, environment=None):
        self.user, self.server, self.environment = user, _Server(), dict(environment or {})


def test_course_configuration_groups_roles_and_environment(hub_environment):
    """The graders' role opens the grader service (JupyterHub creates the roles' groups), and
    every server gets the course variables and its role's Jupyter settings."""
    hub_environment.setenv("GANCOURSE_INSTRUCTORS", "ta2")
    hub_environment.setenv("GANCOURSE_USER_DEPLOY_DIR", "/opt/gan-course/deploy")
    config = load(DEPLOY / "jupyterhub_config.py")
    assert config.JupyterHub.load_groups.get_value({}) == {
        f"formgrade-{COURSE}": {"users": ["ta2"]}
    }
    roles = {role["name"]: role for role in config.JupyterHub.load_roles.get_value([])}
    assert roles[f"formgrade-{COURSE}"]["groups"] == [f"formgrade-{COURSE}"]
    assert f"access:services!service={COURSE}" in roles[f"formgrade-{COURSE}"]["scopes"]
    assert roles[f"nbgrader-{COURSE}"]["groups"] == [f"nbgrader-{COURSE}"]
    assert not any("access:services" in s for s in roles[f"nbgrader-{COURSE}"]["scopes"])
    assert {"users:activity!user", "access:servers!server"} <= set(roles["server"]["scopes"])
    assert "services" not in config.JupyterHub  # no grader process unless the deployment asks

    hook = config.Spawner.pre_spawn_hook
    student = _Spawner(_User("sam", [f"nbgrader-{COURSE}"]), {"TF_CPP_MIN_LOG_LEVEL": "1"})
    hook(student)
    env = student.environment
    assert env["GANCOURSE_ROLE"] == "students"
    assert env["GANCOURSE_DATA_DIR"] == "/srv/gan-course/data"
    assert env["GANCOURSE_WEIGHTS_DIR"] == "/srv/gan-course/data/weights"
    assert env["TENSORBOARD_PROXY_URL"] == "/user/alice/proxy/%PORT%/"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "1", "the deployment's own setting must win"
    assert env["JUPYTER_CONFIG_PATH"] == "/opt/gan-course/deploy/jupyter/students"
    grader = _Spawner(_User("ta1", [f"formgrade-{COURSE}"]))
    hook(grader)
    assert grader.environment["JUPYTER_CONFIG_PATH"] == "/opt/gan-course/deploy/jupyter/instructors"


def test_what_a_drop_in_sets_is_kept(hub_environment, tmp_path):
    """Under load_subconfig (TLJH, the local hub) roles and services set before the course file
    are kept (extended, not replaced), and groups set after it stay as set."""
    drop_in = tmp_path / "drop_in.py"
    drop_in.write_text(
        "c = get_config()\n"
        "c.JupyterHub.load_roles = [{'name': 'jupyterhub-idle-culler', 'scopes': ['read:servers']}]\n"
        "c.JupyterHub.services = [{'name': 'jupyterhub-idle-culler', 'command': ['x']}]\n"
        f"load_subconfig({str(DEPLOY / 'jupyterhub_config.py')!r})\n"
        "c.JupyterHub.load_groups = {'formgrade-gan-course': {'users': ['alice']}}\n"
    )
    hub_environment.setenv("GANCOURSE_GRADER_SINGLEUSER", "/usr/bin/jupyterhub-singleuser")
    config = load(drop_in)
    assert config.JupyterHub.load_groups == {"formgrade-gan-course": {"users": ["alice"]}}
    names = [role["name"] for role in config.JupyterHub.load_roles]
    assert names == [
        "jupyterhub-idle-culler",
        f"formgrade-{COURSE}",
        f"nbgrader-{COURSE}",
        "server",
    ]
    assert [s["name"] for s in config.JupyterHub.services] == ["jupyterhub-idle-culler", COURSE]


def test_zero_to_jupyterhub_runs_the_file_with_exec(hub_environment):
    """The chart exec()s jupyterhub_config.d files in its namespace, where get_config is its own
    values reader: the file uses the given ``c``, keeps the chart's roles and hub.config groups,
    adds the environment's members, and replaces none of the chart's names."""
    from traitlets.config import Config

    def chart_get_config(key, default=None):  # z2jh.get_config: a key is required
        return default

    c = Config()
    c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "scopes": ["read:servers"]}]
    c.JupyterHub.load_groups = {f"formgrade-{COURSE}": {"users": ["instructor1"]}}
    namespace = {
        "c": c,
        "get_config": chart_get_config,
        "__file__": "/usr/local/etc/jupyterhub/jupyterhub_config.py",
    }
    hub_environment.setenv("GANCOURSE_INSTRUCTORS", "ta1,instructor1")
    source = (DEPLOY / "jupyterhub_config.py").read_text()
    exec(compile(source, "gan-course.py", "exec"), namespace)
    assert c.JupyterHub.load_groups[f"formgrade-{COURSE}"] == {"users": ["instructor1", "ta1"]}
    names = [role["name"] for role in c.JupyterHub.load_roles]
    assert names == [
        "jupyterhub-idle-culler",
        f"formgrade-{COURSE}",
        f"nbgrader-{COURSE}",
        "server",
    ]
    assert namespace["get_config"] is chart_get_config
    added = set(namespace) - {"c", "get_config", "__file__", "__builtins__", "__doc__"}
    assert added == {"os", "Path", "_configure_course"}, added
    assert callable(c.Spawner.pre_spawn_hook)


def test_tljh_starts_the_grader_service(hub_environment):
    """On TLJH the hub starts the grader service as grader-gan-course, with the grader's settings
    and the same course variables as every user server."""
    config = load(DEPLOY / "tljh" / "jupyterhub_config.py")
    (service,) = config.JupyterHub.services.get_value([])
    assert service["name"] == COURSE and service["user"] == f"grader-{COURSE}"
    assert service["command"][0] == "/opt/tljh/user/bin/jupyterhub-singleuser"
    assert service["cwd"] == f"/home/grader-{COURSE}"
    env = service["environment"]
    assert env["JUPYTER_CONFIG_PATH"] == str(DEPLOY / "jupyter" / "grader")
    assert env["GANCOURSE_DATA_DIR"] == "/srv/gan-course/data"
    assert env["TENSORBOARD_PROXY_URL"] == f"/services/{COURSE}/proxy/%PORT%/"
    assert env["PATH"].startswith("/opt/tljh/user/bin:")
    assert os.environ.get("GANCOURSE_GRADER_SINGLEUSER")  # set by the TLJH file (cleared after)


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def test_each_role_gets_the_extensions_nbgrader_documents():
    """nbgrader's table for separate formgrader services: students get the Assignment List,
    instructors also the Course List, the grader service the formgrader and Create Assignment;
    no role folder of the hub recipes sets a frame header (only deploy/jupyter/local-hub does)."""
    jupyter = DEPLOY / "jupyter"
    prefix = "nbgrader.server_extensions."
    expected = {
        "students": {"assignment_list": True, "formgrader": False, "course_list": False},
        "instructors": {"assignment_list": True, "formgrader": False, "course_list": True},
        "grader": {"assignment_list": False, "formgrader": True, "course_list": False},
    }
    for role, extensions in expected.items():
        server = _json(jupyter / role / "jupyter_server_config.json")["ServerApp"]
        assert "tornado_settings" not in server, f"{role}: no frame header in the hub recipes"
        for name, enabled in extensions.items():
            assert server["jpserver_extensions"][prefix + name] is enabled, (role, name)
        disabled = _json(jupyter / role / "labconfig" / "page_config.json")["disabledExtensions"]
        assert disabled["@jupyter/nbgrader:formgrader"] is (role != "grader"), role
        assert disabled["@jupyter/nbgrader:create-assignment"] is (role != "grader"), role
    frame = [
        p
        for p in DEPLOY.rglob("*")
        if p.is_file()
        and "node_modules" not in p.parts
        and p.suffix in {".py", ".json", ".yaml"}
        and "frame-ancestors" in p.read_text()
    ]
    assert [p.relative_to(DEPLOY).as_posix() for p in frame] == [
        "jupyter/local-hub/jupyter_server_config.py"
    ]


# --- the grader service on a running JupyterHub -------------------------------------------------

_GRADER_HUB = """\
import os
c = get_config()
load_subconfig({course!r})
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {state!r} + "/proxy.pid"
c.JupyterHub.pid_file = {state!r} + "/hub.pid"
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/hub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allowed_users = {{"teach", "stud"}}
c.JupyterHub.load_groups = {{
    "formgrade-gan-course": {{"users": ["teach"]}},
    "nbgrader-gan-course": {{"users": ["stud"]}},
}}
# As the course file defines it for TLJH, but run as this machine's user, from this repository.
(service,) = c.JupyterHub.services.get_value([])
service.update(user={user!r}, cwd={repository!r})
if os.geteuid() == 0:
    service["command"] = service["command"] + ["--ServerApp.allow_root=True"]
service["environment"].update(
    GANCOURSE_REPOSITORY={repository!r},
    GANCOURSE_GRADING_DIR={state!r} + "/grading",
    PATH={bin!r} + ":/usr/bin:/bin",
)
c.JupyterHub.services = [service]
"""


@pytest.mark.slow
def test_grader_service_on_a_running_hub(tmp_path, hub_environment):
    """JupyterHub starts the grader service as the course file defines it for TLJH; a member of
    formgrade-gan-course opens the formgrader in its own tab (unframeable: frame-ancestors
    'none'), a student is refused (403)."""
    import contextlib
    import getpass
    import re
    import time

    import psutil
    import requests

    from tools.local_hub import ensure_proxy, free_port

    if shutil.which("npm") is None:  # as tests/test_e2e.py: the hub's proxy comes from npm
        message = "npm not installed (the hub's proxy is installed with npm ci in deploy/)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    proxy = ensure_proxy()
    port, password = free_port(), "grader-service-test"
    hub_environment.setenv("GANCOURSE_GRADER_SINGLEUSER", str(BIN / "jupyterhub-singleuser"))
    hub_environment.setenv("GANCOURSE_GRADER_PORT", str(free_port()))
    config = tmp_path / "hub_config.py"
    config.write_text(
        _GRADER_HUB.format(
            course=str(DEPLOY / "jupyterhub_config.py"),
            port=port,
            hub_port=free_port(),
            proxy_port=free_port(),
            proxy=str(proxy),
            state=str(tmp_path),
            password=password,
            user=getpass.getuser(),
            repository=str(REPOSITORY),
            bin=str(BIN),
        )
    )
    hub_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    with open(tmp_path / "hub.log", "wb") as log:
        hub = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                # The hub answers, and the proxy sends the service's address to the service,
                # which redirects a visitor without a login to the hub's OAuth.
                api = requests.get(f"{hub_url}/hub/api", timeout=5)
                service = requests.get(
                    f"{hub_url}/services/gan-course/", timeout=5, allow_redirects=False
                )
                if api.status_code == 200 and service.status_code == 302:
                    break
            except requests.ConnectionError:
                pass
            if hub.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "the hub or its grader service did not start:\n"
                    + (tmp_path / "hub.log").read_text()[-4000:]
                )
            time.sleep(1)

        def formgrader(user: str) -> requests.Response:
            session = requests.Session()
            page = session.get(f"{hub_url}/hub/login", timeout=30)
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
            assert xsrf, f"no login form at {page.url} ({page.status_code}): {page.text[:500]}"
            xsrf = xsrf[1]
            login = {"username": user, "password": password, "_xsrf": xsrf}
            # Not followed: the hub would go on to start the user's own server.
            logged_in = session.post(
                f"{hub_url}/hub/login", data=login, timeout=30, allow_redirects=False
            )
            assert logged_in.status_code == 302, logged_in.text[:500]
            return session.get(f"{hub_url}/services/gan-course/formgrader", timeout=60)

        grader = formgrader("teach")
        assert grader.status_code == 200 and "<title>nbgrader formgrade</title>" in grader.text
        assert grader.url.startswith(f"{hub_url}/services/gan-course/formgrader")
        assert "frame-ancestors 'none'" in grader.headers["Content-Security-Policy"]
        student = formgrader("stud")
        assert student.status_code == 403, (student.status_code, student.url)
    finally:
        # The hub stops its proxy and the grader service; whatever it left is stopped here.
        started = psutil.Process(hub.pid).children(recursive=True) if hub.poll() is None else []
        hub.terminate()
        try:
            hub.wait(timeout=90)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
        for process in started:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
