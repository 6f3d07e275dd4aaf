# syntax=docker/dockerfile:1
# content-gateway: multi-stage build. The build stage compiles wheels into a virtualenv; the
# runtime stage copies only that virtualenv onto a slim base and runs as an unprivileged user.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, in a layer of their own that only pyproject.toml invalidates: editing the
# code does not reinstall (or re-download) them.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['otel']))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
# Then the project itself (its dependencies are in place already).
COPY setup.py MANIFEST.in LICENSE README.md ./
COPY gateway ./gateway
COPY schema ./schema
COPY resolvers ./resolvers
COPY migrations ./migrations
COPY examples ./examples
RUN pip install --no-deps .

FROM python:${PYTHON_VERSION}-slim AS runtime
RUN groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /app --shell /usr/sbin/nologin gateway \
 && mkdir -p /app/data \
 && chown gateway:gateway /app/data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GATEWAY_ENV=production \
    GATEWAY_DATABASE_URL=sqlite+aiosqlite:////app/data/content.db
WORKDIR /app
USER gateway:gateway
EXPOSE 8000
VOLUME ["/app/data"]
# Liveness: the process answers. (compose.yaml probes /readyz to gate traffic on dependencies.)
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# hypercorn drains in-flight requests on SIGTERM (docker stop) within --graceful-timeout.
STOPSIGNAL SIGTERM
# --migrate: the schema is upgraded on start (a fresh volume works at once); compose.yaml runs a
# one-shot `migrate` service instead, before several gateway containers start.
CMD ["content-gateway", "serve", "--migrate", "--bind", "0.0.0.0:8000", "--workers", "2", "--graceful-timeout", "20"]
