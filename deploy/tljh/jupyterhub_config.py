"""The course on The Littlest JupyterHub (TLJH): what to load from /opt/tljh/config/jupyterhub_config.d.

deploy/README.md ("On one machine") installs the pieces this file expects:

- this ``deploy/`` folder at ``/opt/gan-course/deploy`` (readable by every user: their servers
  load ``deploy/jupyter/<role>/`` from there);
- the student edition at ``/srv/gan-course`` (its ``data/`` and ``data/weights/``), installed
  with the runtime requirements into TLJH's user environment ``/opt/tljh/user``;
- the system account ``grader-gan-course``, whose home holds the course's private repository
  (``~/gan-course``): the hub, which runs as root on TLJH, starts the grader service
  ``gan-course`` as that account (nbgrader's "One Class, Multiple Graders").

The drop-in loads this file, then names the instructors and TAs (after the load: a file loaded
with load_subconfig replaces what was set before it)::

    c = get_config()
    load_subconfig("/opt/gan-course/deploy/tljh/jupyterhub_config.py")
    c.JupyterHub.load_groups = {"formgrade-gan-course": {"users": ["alice", "bob"]}}
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

DEPLOY = Path(__file__).resolve().parent.parent
# What deploy/jupyterhub_config.py reads: where things are on the user servers (this machine).
os.environ.setdefault("GANCOURSE_USER_DEPLOY_DIR", str(DEPLOY))
os.environ.setdefault("GANCOURSE_USER_EDITION_DIR", "/srv/gan-course")
os.environ.setdefault("GANCOURSE_GRADER_SINGLEUSER", "/opt/tljh/user/bin/jupyterhub-singleuser")
load_subconfig(str(DEPLOY / "jupyterhub_config.py"))  # noqa: F821 (provided by traitlets)

# Who may log in is TLJH's: with its default authenticator and no `users.allowed`, TLJH sets
# allow_all and admins create the accounts on the admin page; `tljh-config add-item
# users.allowed <name>` fills Authenticator.allowed_users instead (JupyterHub 5 lets no one in
# unless one of the two is set).
