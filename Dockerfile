# nn-playground: one container = one server process (run state lives in memory).
# The cluster profile of docker-compose.yml builds it with EXTRAS="[cluster]" (Ray and
# psycopg) and uses the same image for the app replicas, the Ray head and the Ray workers.
FROM python:3.11-slim
ARG EXTRAS=""

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    NNPG_HOST=0.0.0.0 NNPG_PORT=8000 NNPG_DATA_DIR=/data \
    NNPG_FRONTEND_DIR=/app/frontend NNPG_STATIC_DIR=/app/static

WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
RUN pip install ".${EXTRAS}"
COPY frontend ./frontend
COPY static ./static

RUN useradd --create-home --uid 1000 nnpg && mkdir -p /data /shared && chown nnpg /data /shared
USER nnpg
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"

CMD ["sh", "-c", "nnplayground serve --host \"$NNPG_HOST\" --port \"$NNPG_PORT\" --data-dir \"$NNPG_DATA_DIR\""]
