# ShipOrSkip production image: gunicorn + whitenoise on Python 3.13.
#   docker build -t shiporskip .
#   docker run -e DATABASE_URL=... -e SECRET_KEY=... -e ALLOWED_HOSTS=... -p 8000:8000 shiporskip
# Migrations are a separate step (see compose.yaml): python manage.py migrate --noinput
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH \
    GUNICORN_BIND=0.0.0.0:8000

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Runtime dependencies first, exactly as uv.lock pins them (hashes checked), so code
# changes reuse this layer. uv comes at the version pyproject.toml pins and is gone after.
COPY pyproject.toml uv.lock ./
RUN uv_pin="$(sed -nE 's/^required-version = "(==[0-9.]+)"$/\1/p' pyproject.toml)" \
    && pip install --target /tmp/uv "uv${uv_pin:?no tool.uv.required-version}" \
    && /tmp/uv/bin/uv sync --frozen --no-default-groups --python /usr/local/bin/python \
    && rm -rf /tmp/uv

# The app runs from /app itself (templates, fonts and fixtures live beside the code), so
# it is not installed as a package as well.
COPY . .
RUN python -m compileall -q /app

# Static files are collected into the image; the settings need a key and a database URL
# to load, so dummy build-only values are given to this one command (nothing connects).
RUN SECRET_KEY=build-only-dummy-key-for-collectstatic-never-used-at-runtime \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000

# /healthz over plain http from inside the container (exempt from the https redirect),
# with a Host header that ALLOWED_HOSTS accepts. No curl in the slim image: urllib.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; hosts = [h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; port = os.environ.get('GUNICORN_BIND', '0.0.0.0:8000').rsplit(':', 1)[1]; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%s/healthz' % port, headers={'Host': hosts[0] if hosts else 'localhost'}), timeout=4)"]

# Exec form: gunicorn is PID 1 and gets SIGTERM directly for a graceful shutdown.
CMD ["gunicorn", "-c", "shiporskip/gunicorn.conf.py", "shiporskip.wsgi"]
