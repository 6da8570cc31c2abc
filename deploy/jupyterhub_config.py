"""JupyterHub configuration for the GAN course (any spawner: local processes, systemd, Kubernetes).

What it decides, and nothing else (authentication, TLS and the spawner belong to the deployment):

- who is an instructor: the members of the JupyterHub group ``instructors`` (edit the group on the
  hub's admin page, or list user names in ``GANCOURSE_INSTRUCTORS``, comma-separated);
- what each role's single-user server loads, by putting ``deploy/jupyter/<role>/`` first on
  ``JUPYTER_CONFIG_PATH``: students get nbgrader's Assignment List and Validate button, instructors
  also the formgrader, the course list and the create-assignment toolbar, and the course's own
  nbgrader configuration;
- the kernels: ``deploy/jupyter/kernels/python3`` replaces the default Python kernel with one that
  turns on TensorFlow's GPU memory growth, so one student's kernel does not take a whole GPU.

Load it from the deployment's own configuration (see deploy/README.md)::

    load_subconfig("/srv/gan-course/deploy/jupyterhub_config.py")

``GANCOURSE_USER_DEPLOY_DIR`` is where this ``deploy/`` folder is *on the single-user servers*
(the same machine for The Littlest JupyterHub, the user image on Kubernetes); by default, next
to this file.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

INSTRUCTORS_GROUP = "instructors"
USER_DEPLOY_DIR = os.environ.get("GANCOURSE_USER_DEPLOY_DIR", str(Path(__file__).resolve().parent))

instructors = [
    n.strip() for n in os.environ.get("GANCOURSE_INSTRUCTORS", "").split(",") if n.strip()
]
if instructors:
    c.JupyterHub.load_groups = {INSTRUCTORS_GROUP: {"users": instructors}}

# Everyone lands in JupyterLab; the Assignment List is in its Nbgrader menu.
c.Spawner.default_url = "/lab"
c.Spawner.environment.update(
    {
        # Every process of a server, kernels included: TensorFlow allocates GPU memory as it
        # needs it instead of all of it at start (the course kernel says so too).
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        # TensorFlow's C++ log lines go to stderr, sometimes in the middle of a later cell, and
        # nbgrader's Validate fails a test cell with any stderr: on a machine without a GPU,
        # "failed call to cuInit" (an ERROR line) would fail correct answers. 3 keeps them out.
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
)


def role_of(user) -> str:
    """``instructors`` for members of the instructors group, ``students`` for everyone else."""
    groups = {group.name for group in getattr(user, "groups", [])}
    return "instructors" if INSTRUCTORS_GROUP in groups else "students"


def course_environment(spawner) -> None:
    """Give the server its role's Jupyter configuration and the course kernel."""
    role = role_of(spawner.user)
    jupyter = f"{USER_DEPLOY_DIR}/jupyter"
    env = dict(spawner.environment)  # a copy: never change what other spawners share
    config_path = [f"{jupyter}/{role}", env.get("JUPYTER_CONFIG_PATH", "")]
    data_path = [jupyter, env.get("JUPYTER_PATH", "")]
    env.update(
        GANCOURSE_ROLE=role,
        JUPYTER_CONFIG_PATH=os.pathsep.join(p for p in config_path if p),
        JUPYTER_PATH=os.pathsep.join(p for p in data_path if p),
    )
    spawner.environment = env


c.Spawner.pre_spawn_hook = course_environment
