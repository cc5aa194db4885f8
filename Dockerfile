# The customer360 API. Neo4j runs in its own container (see docker-compose.yml).
# The base image is pinned to a patch release (bump it deliberately, with the lock files).
FROM python:3.11.11-slim-bookworm
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    BACKUP_DIR=/data/backups PROMETHEUS_MULTIPROC_DIR=
COPY pyproject.toml README.md requirements.lock ./
COPY api ./api
COPY cli ./cli
COPY graph ./graph
COPY schema ./schema
COPY loaders ./loaders
COPY mappings ./mappings
# Exactly the locked versions (`make lock`), then the project itself without resolving again.
RUN pip install --no-cache-dir -r requirements.lock && pip install --no-cache-dir --no-deps . \
    && useradd --system --uid 10001 --home-dir /data c360 \
    && mkdir -p /data && chown c360 /data
# Source files, rejects and backups of `c360 load` / `c360 sample` under compose: a writable volume.
VOLUME ["/data"]
EXPOSE 8000
USER c360
CMD ["c360", "serve", "--host", "0.0.0.0", "--port", "8000"]
