"""nbgrader configuration that every user's server on the course hub reads.

On a real hub this file is /etc/jupyter/nbgrader_config.py (see deploy/README.md); the local
hub (`make hub`) puts this folder on JUPYTER_CONFIG_PATH instead of touching /etc. It only says
which course this is and where the exchange is: students need nothing else, and the
grader's configuration (deploy/jupyter/grader/) adds the course folders.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "gan-course"
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")

# On Kubernetes the pods share no folder: the exchange is the ngshare service, whose address
# the hub gives every server (deploy/z2jh-values.yaml).
if os.environ.get("NGSHARE_URL"):
    from ngshare_exchange import configureExchange

    configureExchange(c, os.environ["NGSHARE_URL"])
