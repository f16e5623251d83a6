# syntax=docker/dockerfile:1
# The base image by its full version, so a rebuild gets the same Python; pin its digest too
# (`docker buildx imagetools inspect python:3.11.14-slim-bookworm`) where the registry is at hand.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN python -m venv /venv
# The dependencies exactly as locked (versions and hashes), in a layer of their own; then the
# project itself, which adds nothing the lock does not have.
COPY requirements.lock ./
RUN /venv/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml ./
COPY app ./app
RUN /venv/bin/pip install --no-cache-dir --no-deps .

FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 apart
WORKDIR /srv
COPY --from=build /venv /venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
RUN mkdir -p /srv/data && chown apart:apart /srv/data
# The SQLite file and the development JWT secret live here: keep it outside the container.
VOLUME /srv/data
USER apart
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    DATA_DIR=/srv/data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"
# Migrations first, then uvicorn (the `serve` command does both). X-Forwarded-For is believed
# only from the proxies FORWARDED_ALLOW_IPS names (none by default): set it behind a proxy.
CMD ["python", "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
