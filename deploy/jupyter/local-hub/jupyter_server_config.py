"""The instructor's server on the hub of `make hub` and `make e2e` only (deploy/local_hub_config.py).

That hub is nbgrader's "One Class, One Grader": the instructor's own server is the grader (this
folder comes first on its JUPYTER_CONFIG_PATH, then deploy/jupyter/grader/), so every nbgrader
extension is on, the Course List and Assignment List included.

It also lets the formgrader show inside JupyterLab, in a frame. JupyterHub (4.1 and later) sends
``frame-ancestors 'none'``, and nbgrader's JupyterLab tab is then blank; ``'self'`` is nbgrader's
"Trusting users (less secure)" option: with every server on the hub's origin, any page served
there could frame the instructor's server. That is acceptable here only: this hub listens on
127.0.0.1, its users are the course's throwaway test accounts, and `make e2e` drives the
formgrader in its JupyterLab tab. The hub recipes (TLJH, Z2JH) never load this folder; their
instructors open the grader service's formgrader in its own tab (deploy/README.md).
"""

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.course_list": True,
}
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
