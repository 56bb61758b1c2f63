FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .
COPY . .
# collectstatic connects to no database, but the settings want one named: without DATABASE_URL they would
# look for the embedded server of `make run`, which the image does not install.
RUN DATABASE_URL=postgres://unused@localhost/unused \
    DJANGO_STATICFILES_STORAGE=whitenoise.storage.CompressedManifestStaticFilesStorage \
    python manage.py collectstatic --noinput

# The image runs with production strictness unless told otherwise: a real DJANGO_SECRET_KEY is required.
ENV DJANGO_DEBUG=false

RUN useradd --create-home leadpool && mkdir -p /app/var && chown -R leadpool /app/var
USER leadpool

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
