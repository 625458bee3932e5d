FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY dispatch112 dispatch112
COPY incidents incidents
COPY volunteers volunteers
COPY cctv cctv
COPY shifts shifts
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings but no services: give it a throwaway key at build time only.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput -v 0
RUN useradd --system --uid 1000 dispatch112 && mkdir -p /app/var && chown dispatch112 /app/var
USER dispatch112
EXPOSE 8000
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "dispatch112.asgi:application"]
