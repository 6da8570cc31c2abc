#!/bin/bash
# TensorBoard through jupyter-server-proxy, under the server's own prefix on JupyterHub: what
# jupyter/docker-stacks' tensorflow-notebook sets in its cuda variant (images/tensorflow-notebook/
# cuda/20tensorboard-proxy-env.sh). start.sh sources the files of before-notebook.d, so the
# server and its kernels inherit it; tensorboard's `%tensorboard` magic reads it.
export TENSORBOARD_PROXY_URL="${JUPYTERHUB_SERVICE_PREFIX:-/}proxy/%PORT%/"
