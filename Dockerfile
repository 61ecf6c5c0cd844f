FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN DEBUG=False FIRMSYNC_TESTING=1 python manage.py collectstatic --noinput --verbosity 0
EXPOSE 8000
CMD ["gunicorn", "firmsync.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "firmsync.redact.GunicornLogger"]
