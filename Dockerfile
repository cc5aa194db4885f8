# The customer360 API. Neo4j runs in its own container (see docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY api ./api
COPY graph ./graph
COPY schema ./schema
COPY loaders ./loaders
RUN pip install --no-cache-dir .
EXPOSE 8000
USER nobody
CMD ["c360", "serve", "--host", "0.0.0.0", "--port", "8000"]
