# syntax=docker/dockerfile:1
#
# Images of the pgkube operator, built from the repository root (the root is the collection):
#
#   docker build -t ghcr.io/pgkube/operator:0.1.0 .
#       the watcher (`python -m pgkube_watcher`): manifests/operator/deployment.yaml
#   docker build --target ansible-operator -t ghcr.io/pgkube/ansible-operator:0.1.0 .
#       the Operator SDK's ansible-operator with this collection and our watches.yaml:
#       manifests/operator/ansible-operator-deployment.yaml
#
# The build needs PyPI and a Galaxy server for kubernetes.core (requirements.yml). Point
# ANSIBLE_GALAXY_SERVER at a mirror (Automation Hub, Pulp, Artifactory) where galaxy.ansible.com
# is not reachable:  --build-arg ANSIBLE_GALAXY_SERVER=https://hub.example.com/api/galaxy/
# The collection itself never comes from Galaxy: the first stage builds it from this tree with
# `ansible-galaxy collection build`, which honours build_ignore in galaxy.yml.
# Keep the build context small with a .dockerignore (.venv, .build, .controlplane, .git).

ARG PYTHON_IMAGE=python:3.11-slim
ARG ANSIBLE_OPERATOR_IMAGE=quay.io/operator-framework/ansible-operator:v1.42.3

# --------------------------------------------------------------------------- collection tarball
FROM ${PYTHON_IMAGE} AS collection
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install "ansible-core>=2.16,<2.20"
WORKDIR /src
COPY . .
# /dist: the collection tarball, requirements.yml (Galaxy), requirements.txt (PyPI: the
# collection's, plus the watcher's own if it has one).
RUN mkdir -p /dist \
    && ansible-galaxy collection build --output-path /dist . \
    && cp requirements.yml requirements.txt /dist/ \
    && if [ -f watcher/requirements.txt ]; then cat watcher/requirements.txt >> /dist/requirements.txt; fi

# --------------------------------------------------------------------------- ansible-operator
FROM ${ANSIBLE_OPERATOR_IMAGE} AS ansible-operator
ARG ANSIBLE_GALAXY_SERVER=https://galaxy.ansible.com
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
USER 0
COPY --from=collection /dist/ /tmp/dist/
# Python libraries go to the interpreter that runs ansible-playbook (not the system python3);
# collections to /usr/share/ansible/collections, where ansible-operator resolves the FQCN role
# of watches.yaml; watches.yaml to /opt/ansible, the image's working directory.
RUN export HOME=/tmp/build-home \
    && ANSIBLE_PYTHON="$(ansible-playbook --version | sed -n 's/^ *python version = .*(\([^()]*\))$/\1/p')" \
    && test -x "$ANSIBLE_PYTHON" \
    && "$ANSIBLE_PYTHON" -m pip install --no-cache-dir -r /tmp/dist/requirements.txt \
    && ansible-galaxy collection install -r /tmp/dist/requirements.yml -p /usr/share/ansible/collections \
    && ansible-galaxy collection install --no-deps -p /usr/share/ansible/collections /tmp/dist/pgkube-operator-*.tar.gz \
    && cp /usr/share/ansible/collections/ansible_collections/pgkube/operator/watches.yaml /opt/ansible/watches.yaml \
    && rm -rf /tmp/dist /tmp/build-home
USER 1001

# --------------------------------------------------------------------------- watcher (default)
FROM ${PYTHON_IMAGE} AS watcher
ARG ANSIBLE_GALAXY_SERVER=https://galaxy.ansible.com
# Ansible writes only under /tmp (an emptyDir in the Deployment, the root filesystem is
# read-only); no .pyc files are written at run time.
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ANSIBLE_COLLECTIONS_PATH=/usr/share/ansible/collections \
    ANSIBLE_HOME=/tmp/.ansible \
    ANSIBLE_LOCAL_TEMP=/tmp/.ansible/tmp \
    ANSIBLE_REMOTE_TEMP=/tmp/.ansible/tmp \
    ANSIBLE_GATHERING=explicit
COPY --from=collection /dist/ /tmp/dist/
RUN pip install -r /tmp/dist/requirements.txt "ansible-core>=2.16,<2.20" "ansible-runner>=2.4" \
    && ansible-galaxy collection install -r /tmp/dist/requirements.yml -p /usr/share/ansible/collections \
    && ansible-galaxy collection install --no-deps -p /usr/share/ansible/collections /tmp/dist/pgkube-operator-*.tar.gz \
    && rm -rf /tmp/dist /tmp/.ansible /root/.ansible \
    && useradd --uid 1001 --gid 0 --create-home --home-dir /home/pgkube --shell /usr/sbin/nologin pgkube
# The library is imported as ansible_collections.pgkube.operator.plugins.module_utils (the
# watcher's bootstrap reads PGKUBE_COLLECTIONS_PATH), the watcher package from the collection's
# watcher/ directory.
ENV PGKUBE_COLLECTIONS_PATH=/usr/share/ansible/collections \
    PYTHONPATH=/usr/share/ansible/collections:/usr/share/ansible/collections/ansible_collections/pgkube/operator/watcher
WORKDIR /home/pgkube
USER 1001
# api_port: REST API, /metrics, /readyz
EXPOSE 8080
ENTRYPOINT ["python", "-m", "pgkube_watcher"]
CMD ["--watches", "/usr/share/ansible/collections/ansible_collections/pgkube/operator/watches.yaml", "--engine", "native"]
