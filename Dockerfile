# syntax=docker/dockerfile:1
# Kontakt's production image: one image for every service, the command chooses it
# (kontakt-directory, kontakt-mailing, kontakt-vcard, kontakt-console, kontakt-worker, or
# `kontakt migrate` for the migration step). Dependencies come from requirements.lock with
# their hashes; nothing of devstack/, the tests or the dev tools is in it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY deploy/install.sh /usr/local/bin/kontakt-install
# The pinned dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock /src/
RUN kontakt-install deps /opt/kontakt /src/requirements.lock
COPY pyproject.toml README.md /src/
COPY services /src/services
COPY shared /src/shared
RUN kontakt-install app /opt/kontakt /src

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 kontakt \
 && useradd --system --uid 10001 --gid kontakt --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin kontakt
COPY --from=build /opt/kontakt /opt/kontakt
ENV PATH=/opt/kontakt/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KONTAKT_HOST=0.0.0.0 \
    KONTAKT_MIGRATE=false \
    KONTAKT_WORKER_PORT=8085
WORKDIR /opt/kontakt
# A numeric user, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
# directory, mailing, vcard, console; 8085: the standalone worker's probes and metrics
EXPOSE 8081 8082 8083 8084 8085
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["kontakt-healthcheck"]
CMD ["kontakt", "--help"]
