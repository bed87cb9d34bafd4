# The service. By default on SQLite in the /data volume (migrated and seeded on first start);
# set DATABASE_URL=postgresql+psycopg://... to serve a PostgreSQL database (compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app mgt \
    && mkdir /data \
    && chown mgt /data

# Dependencies in a layer of their own, from the lock file (pinned, hash-checked): a change
# to the application does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock

# The application after them.
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install --no-cache-dir --no-deps -e .

# The source revision /health reports (docker build --build-arg REVISION=$(git rev-parse HEAD)).
ARG REVISION=""
ENV MGT_REVISION=${REVISION} \
    DATABASE_URL=sqlite:////data/mgt.sqlite3

# The SQLite database, and with it the API keys (stored there as hashes) and the audit log.
VOLUME ["/data"]
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"]
# Workers: one per CPU of the container's quota (cgroup cpu.max), at most 4.
CMD ["mgt", "serve", "--host", "0.0.0.0", "--port", "8000"]
