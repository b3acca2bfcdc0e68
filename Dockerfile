# Production image: gunicorn behind a load balancer that terminates HTTPS.
#   docker build -t portal-kelurahan .
#   docker run --env-file .env portal-kelurahan python manage.py migrate
#   docker run --env-file .env -p 8000:8000 portal-kelurahan
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders letter PDFs with Pango; DejaVu is the letters' font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libcairo2 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# Hashed, compressed static files are built into the image; the key is a throwaway for this step.
RUN SECRET_KEY=collectstatic-only PORTAL_URL=https://portal.example.go.id \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app portal \
    && mkdir -p /app/var \
    && chown -R portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"]
