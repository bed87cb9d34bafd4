# The service on its embedded SQLite database, seeded on first start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install -e . && useradd --system --uid 10001 mgt && mkdir -p var && chown mgt var

USER mgt
EXPOSE 8000
CMD ["mgt", "serve", "--host", "0.0.0.0", "--port", "8000"]
