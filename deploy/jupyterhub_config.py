"""JupyterHub configuration for the GAN course (any spawner: local processes, systemd, Kubernetes).

It follows nbgrader's "One Class, Multiple Graders" (nbgrader docs, "Using nbgrader with
JupyterHub"): the course's formgrader runs in one shared notebook server, the JupyterHub service
``gan-course`` (the service's name must be the course id), as the account ``grader-gan-course``;
the instructors and TAs reach it through the hub. What this file decides, and nothing else
(login, TLS, the spawner and how the grader service is started belong to the deployment:
deploy/tljh/jupyterhub_config.py, deploy/z2jh-values.yaml):

- the roles of nbgrader's groups, ``formgrade-gan-course`` (instructors and TAs: they may use
  the grader service) and ``nbgrader-gan-course`` (students), which JupyterHub creates with the
  roles; and the server role, so that an instructor's own server can list the grader service
  (nbgrader's Course List). Members come from the deployment (``JupyterHub.load_groups``: in
  a drop-in, set it *after* loading this file; Zero to JupyterHub's ``hub.config``), the hub's
  admin page, or ``GANCOURSE_INSTRUCTORS`` / ``GANCOURSE_STUDENTS`` (comma-separated names);
- what each user's server loads, by putting ``deploy/jupyter/<role>/`` first on
  ``JUPYTER_CONFIG_PATH``: students get nbgrader's Assignment List and Validate button,
  instructors and TAs also the Course List, which links to the grader service (the formgrader
  itself runs there, from ``deploy/jupyter/grader/``);
- every server's environment: where the student edition's data and trained weights are
  (``GANCOURSE_DATA_DIR``, ``GANCOURSE_WEIGHTS_DIR``), TensorBoard through jupyter-server-proxy
  (``TENSORBOARD_PROXY_URL``, as jupyter/docker-stacks sets it), TensorFlow's GPU memory growth;
- the kernels: ``deploy/jupyter/kernels/python3`` replaces the default Python kernel with one that
  turns on TensorFlow's GPU memory growth, so one student's kernel does not take a whole GPU.

Load it from the deployment's own configuration (see deploy/README.md)::

    load_subconfig("/opt/gan-course/deploy/jupyterhub_config.py")

or let Zero to JupyterHub run it from ``jupyterhub_config.d`` (``hub.extraFiles``). The chart
runs those files with ``exec`` in its own namespace, where ``c`` is the configuration but
``get_config`` is the chart's reader of its values: hence ``c`` is taken as given below, and
everything else sits inside one function, so that no name here replaces one of the chart's.
Lists and dicts are extended, never assigned, so that what the deployment set (the chart's
idle-culler role and services, TLJH's services) is kept, under ``load_subconfig`` too.

Where things are *on the user servers* (the same machine for The Littlest JupyterHub, the user
image on Kubernetes), read from the hub's environment:

- ``GANCOURSE_USER_DEPLOY_DIR``: this ``deploy/`` folder (by default, next to this file);
- ``GANCOURSE_USER_EDITION_DIR``: the student edition's checkout, whose ``data/`` holds the
  datasets and ``data/weights/`` the trained weights (by default ``/srv/gan-course``);
- ``GANCOURSE_GRADER_SINGLEUSER``: where the hub starts the grader service itself (The Littlest
  JupyterHub: the hub runs as root, ``grader-gan-course`` is a system user), the users'
  ``jupyterhub-singleuser``; unset, the deployment runs the service (Kubernetes: its own pod).

The formgrader is not made frameable here: JupyterHub (4.1 and later) forbids framing a user's
server, and with every server on the hub's origin, allowing it would let any page on that origin
frame the grader's server (nbgrader docs, "Formgrader with jupyterhub>=4.1"). Instructors open the
formgrader in its own browser tab, ``<hub>/services/gan-course/formgrader``; deploy/README.md says
how to embed it safely where the hub has per-user subdomains.
"""

import os
from pathlib import Path

# Provided by traitlets' loader (load_subconfig, `jupyterhub -f`) and by Zero to JupyterHub's exec.
c = globals()["c"]


def _configure_course(c, here: Path) -> None:
    course = "gan-course"  # the nbgrader course id (deploy/jupyter/etc/nbgrader_config.py)
    grader_service = course  # nbgrader: the formgrader service's name MUST be the course id
    grader_account = f"grader-{course}"  # the account that runs it and owns the course's files
    formgrade_group = f"formgrade-{course}"  # instructors and TAs
    students_group = f"nbgrader-{course}"  # students
    user_deploy_dir = os.environ.get("GANCOURSE_USER_DEPLOY_DIR", str(here))
    user_edition_dir = os.environ.get("GANCOURSE_USER_EDITION_DIR", "/srv/gan-course")

    # Members named in the hub's environment join the groups the deployment loads.
    def names(variable: str) -> list[str]:
        return [n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()]

    groups = c.JupyterHub.load_groups  # a dict already set (Z2JH's hub.config), or a lazy value
    known = groups if isinstance(groups, dict) else {}
    additions = {}
    for group, variable in (
        (formgrade_group, "GANCOURSE_INSTRUCTORS"),
        (students_group, "GANCOURSE_STUDENTS"),
    ):
        if not names(variable):
            continue
        contents = known.get(group, {})
        contents = {"users": list(contents)} if isinstance(contents, list) else dict(contents)
        users = list(contents.get("users", []))
        contents["users"] = users + [n for n in names(variable) if n not in users]
        additions[group] = contents
    if additions:
        groups.update(additions)

    # Roles (nbgrader's demos "one class, multiple graders" and "multiple classes"): graders may
    # use the grader service; both groups may discover it; a server's own token may do the same,
    # limited by JupyterHub to what its owner may (a student's server cannot open the grader).
    # JupyterHub creates a role's groups when they do not exist yet.
    c.JupyterHub.load_roles.extend(
        [
            {
                "name": formgrade_group,
                "description": "Use the course's grader service (the formgrader)",
                "groups": [formgrade_group],
                "scopes": [
                    f"access:services!service={grader_service}",
                    "list:services",
                    f"read:services!service={grader_service}",
                ],
            },
            {
                "name": students_group,
                "description": "See the course's grader service in the services list",
                "groups": [students_group],
                "scopes": ["list:services", f"read:services!service={grader_service}"],
            },
            {
                "name": "server",
                "description": "JupyterHub's default server role, and the Course List's look-up",
                "scopes": [
                    "users:activity!user",
                    "access:servers!server",
                    "list:services",
                    f"read:services!service={grader_service}",
                    f"access:services!service={grader_service}",
                ],
            },
        ]
    )

    # Everyone lands in JupyterLab; the Assignment List is in its Nbgrader menu.
    c.Spawner.default_url = "/lab"

    def role_of(user) -> str:
        """``instructors`` for members of the formgrade group, ``students`` for everyone else."""
        groups = {group.name for group in getattr(user, "groups", [])}
        return "instructors" if formgrade_group in groups else "students"

    def course_variables(prefix: str) -> dict[str, str]:
        """What every course server needs in its environment, for a server whose URL prefix is
        ``prefix`` (``/user/<name>/``, ``/services/gan-course/``)."""
        return {
            # The student edition's datasets and trained weights: the package is installed
            # non-editable, so it cannot find them beside itself (gancourse.paths).
            "GANCOURSE_DATA_DIR": f"{user_edition_dir}/data",
            "GANCOURSE_WEIGHTS_DIR": f"{user_edition_dir}/data/weights",
            # `%tensorboard` in a notebook shows TensorBoard through jupyter-server-proxy, under
            # the server's own prefix (docker-stacks' 20tensorboard-proxy-env.sh sets the same).
            "TENSORBOARD_PROXY_URL": f"{prefix}proxy/%PORT%/",
            # Every process of a server, kernels included: TensorFlow allocates GPU memory as it
            # needs it instead of all of it at start (the course kernel says so too).
            "TF_FORCE_GPU_ALLOW_GROWTH": "true",
            # TensorFlow's C++ log lines go to stderr, sometimes in the middle of a later cell,
            # and nbgrader's Validate fails a test cell with any stderr: on a machine without a
            # GPU, "failed call to cuInit" (an ERROR line) would fail correct answers. 3 keeps
            # them out.
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }

    def jupyter_paths(role: str, env: dict) -> dict[str, str]:
        """``JUPYTER_CONFIG_PATH`` and ``JUPYTER_PATH``, the role's folder and the kernels first."""
        jupyter = f"{user_deploy_dir}/jupyter"
        config_path = [f"{jupyter}/{role}", env.get("JUPYTER_CONFIG_PATH", "")]
        data_path = [jupyter, env.get("JUPYTER_PATH", "")]
        return {
            "JUPYTER_CONFIG_PATH": os.pathsep.join(p for p in config_path if p),
            "JUPYTER_PATH": os.pathsep.join(p for p in data_path if p),
        }

    def course_environment(spawner) -> None:
        """Give the server its role's Jupyter configuration, the kernel and the course variables.

        A hook rather than ``Spawner.environment``: Zero to JupyterHub sets
        ``KubeSpawner.environment`` from ``singleuser.extraEnv``, which would replace a
        ``Spawner.environment`` set here. What the deployment sets itself wins.
        """
        role = role_of(spawner.user)
        env = dict(spawner.environment)  # a copy: never change what other spawners share
        prefix = spawner.server.base_url if spawner.server else f"/user/{spawner.user.name}/"
        for key, value in course_variables(prefix).items():
            env.setdefault(key, value)
        env.update(GANCOURSE_ROLE=role, **jupyter_paths(role, env))
        spawner.environment = env

    c.Spawner.pre_spawn_hook = course_environment

    # The grader service, where the hub starts it as a local process (The Littlest JupyterHub):
    # nbgrader's "One Class, Multiple Graders" service, run as the grader account from its home,
    # where the course's private repository is cloned (deploy/jupyter/grader/nbgrader_config.py).
    singleuser = os.environ.get("GANCOURSE_GRADER_SINGLEUSER", "")
    if singleuser:
        env = course_variables(f"/services/{grader_service}/")
        env.update(jupyter_paths("grader", {}))
        env.update(
            GANCOURSE_ROLE="grader",
            JUPYTERHUB_DEFAULT_URL="/lab",
            # Terminals in the grader's JupyterLab find the users' Python (python -m autograder).
            PATH=os.pathsep.join(
                [str(Path(singleuser).parent), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
        )
        c.JupyterHub.services.append(
            {
                "name": grader_service,
                "url": f"http://127.0.0.1:{os.environ.get('GANCOURSE_GRADER_PORT', '9999')}",
                # Terminals start a plain bash, which keeps PATH; a login shell would read
                # /etc/profile, which on Debian-like systems sets a PATH without the users' Python.
                "command": [
                    singleuser,
                    '--ServerApp.terminado_settings={"shell_command": ["/bin/bash"]}',
                ],
                "user": grader_account,
                "cwd": f"/home/{grader_account}",
                "environment": env,
                "oauth_no_confirm": True,
            }
        )


_configure_course(c, Path(__file__).resolve().parent)
