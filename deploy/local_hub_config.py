"""The course hub on this machine, for trying the course: `make hub` and `make e2e`.

tools/local_hub.py prepares the users, the exchange and a state folder, then runs
``jupyterhub -f deploy/local_hub_config.py`` with ``GANCOURSE_HUB_*`` variables that say where
everything is. On top of the course configuration (jupyterhub_config.py beside this file):

- the hub listens on 127.0.0.1 only, with its database, cookie secret and logs in the state folder;
- the proxy is configurable-http-proxy from deploy/node_modules (``npm ci`` in deploy/);
- users log in with one shared password that the launcher prints (or sets, from
  ``GANCOURSE_HUB_PASSWORD``); only the course's local users are allowed;
- as root, each user's server runs as that system user (their homes are in the state folder);
  otherwise every server runs as you, each in its own folder (SimpleLocalProcessSpawner);
- deploy/jupyter/etc stands in for /etc/jupyter (course id, exchange), so nothing outside the
  repository and the state folder changes; the exchange is a folder in the state folder;
- it is nbgrader's "One Class, One Grader": no grader service, the instructor's own server is the
  grader (deploy/jupyter/local-hub/ then deploy/jupyter/grader/ first on its JUPYTER_CONFIG_PATH),
  with the formgrader in a JupyterLab tab, which needs the frame header that only
  deploy/jupyter/local-hub/ sets (its docstring says why it is kept out of the hub recipes);
- the datasets and weights are this repository's data/ (the course's users run its .venv).
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

DEPLOY = Path(__file__).resolve().parent
# Read by jupyterhub_config.py: the user servers' "student edition" is this repository.
os.environ.setdefault("GANCOURSE_USER_EDITION_DIR", str(DEPLOY.parent))
load_subconfig(str(DEPLOY / "jupyterhub_config.py"))  # noqa: F821 (provided by traitlets)

env = os.environ
state = Path(env["GANCOURSE_HUB_STATE"])
users = json.loads(env["GANCOURSE_HUB_USERS"])  # {"instructors": [...], "students": [...]}
python = env["GANCOURSE_HUB_PYTHON"]  # a Python that the users can run, with the course's packages
system_users = env.get("GANCOURSE_HUB_SYSTEM_USERS") == "1"

c.JupyterHub.bind_url = f"http://127.0.0.1:{env['GANCOURSE_HUB_PORT']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["GANCOURSE_HUB_API_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['GANCOURSE_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [
    str(DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy")
]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env["GANCOURSE_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(users["instructors"] + users["students"])
c.JupyterHub.load_groups = {
    "formgrade-gan-course": {"users": users["instructors"]},
    "nbgrader-gan-course": {"users": users["students"]},
}

c.Spawner.cmd = [python, "-m", "jupyterhub.singleuser"]
# A busy two-core machine can take a while to import JupyterLab and nbgrader.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.environment.update(
    {
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": env.get("LANG", "C.UTF-8"),
        "NBGRADER_EXCHANGE": str(state / "exchange"),
        # Stands in for /etc/jupyter: the course id and the exchange for everyone.
        "JUPYTER_CONFIG_PATH": str(DEPLOY / "jupyter" / "etc"),
    }
)
if env.get("GANCOURSE_HUB_LD_LIBRARY_PATH"):  # the users' Python is a copy (tools/local_hub.py)
    c.Spawner.environment.update({"LD_LIBRARY_PATH": env["GANCOURSE_HUB_LD_LIBRARY_PATH"]})
# Terminals start a plain bash: a login shell would read /etc/profile, whose PATH has no Python of
# the course's, and `python -m autograder.pipeline` in the instructor's terminal would fail.
c.Spawner.args = ['--ServerApp.terminado_settings={"shell_command": ["/bin/bash"]}']
if not system_users:
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
    if os.geteuid() == 0:
        c.Spawner.args.append("--ServerApp.allow_root=True")

course_hook = c.Spawner.pre_spawn_hook


def local_environment(spawner) -> None:
    """The course's role set-up, then where the instructor's course and gradebook are."""
    course_hook(spawner)
    if not system_users and spawner.environment.get("GANCOURSE_ROLE") == "students":
        # nbgrader names a submission after the system user, and here every server runs as
        # the same one: tell each student's nbgrader who the student is.
        folder = state / "jupyter" / spawner.user.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nbgrader_config.py").write_text(
            f"get_config().CourseDirectory.student_id = {spawner.user.name!r}\n"
        )
        paths = [str(folder), spawner.environment["JUPYTER_CONFIG_PATH"]]
        spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": os.pathsep.join(paths)}
    if spawner.environment.get("GANCOURSE_ROLE") == "instructors":
        home = state / "home" / spawner.user.name
        jupyter = DEPLOY / "jupyter"
        paths = [str(jupyter / "local-hub"), str(jupyter / "grader")]
        paths.append(spawner.environment["JUPYTER_CONFIG_PATH"])
        spawner.environment = {
            **spawner.environment,
            "JUPYTER_CONFIG_PATH": os.pathsep.join(paths),
            "GANCOURSE_REPOSITORY": str(home / "gan-course"),  # a link to this repository
            "GANCOURSE_GRADING_DIR": str(home / "grading"),
        }


c.Spawner.pre_spawn_hook = local_environment
