# nn-playground: one container = one server process (run state lives in memory).
# The cluster profile of docker-compose.yml builds it with EXTRAS="[cluster]" (Ray and
# psycopg) and uses the same image for the app replicas, the Ray head and the Ray workers.
FROM python:3.11-slim
ARG EXTRAS=""

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NNPG_HOST=0.0.0.0 NNPG_PORT=8000 NNPG_DATA_DIR=/data

# The locked, hash-checked dependencies first (their layer is cached while only the code
# changes), then the package itself without dependencies.  The page (frontend/, static/)
# is package data: the image serves it from site-packages, and the sources are removed.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes -r /tmp/requirements.lock && rm /tmp/requirements.lock

WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY backend ./backend
COPY frontend ./frontend
COPY static ./static
# EXTRAS (the cluster profile's Ray and psycopg) are not in the lock: resolved from their ranges.
RUN pip install --no-deps . && if [ -n "$EXTRAS" ]; then pip install ".${EXTRAS}"; fi \
    && cd / && rm -rf /src

WORKDIR /app
RUN useradd --create-home --uid 1000 nnpg && mkdir -p /data /shared && chown nnpg /data /shared
USER nnpg
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"

CMD ["sh", "-c", "nnplayground serve --host \"$NNPG_HOST\" --port \"$NNPG_PORT\" --data-dir \"$NNPG_DATA_DIR\""]
