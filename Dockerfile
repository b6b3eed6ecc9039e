FROM python:3.11-slim
# pg_dump for the nightly logical dump (a job of `naering jobs run`); a newer client dumps an older server.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api api
COPY etl etl
COPY maps maps
COPY schemas schemas
COPY registry registry
COPY cli cli
COPY data data
RUN pip install --no-cache-dir -e .
RUN useradd --system naering
USER naering
ENV NAERING_HOST=0.0.0.0
EXPOSE 8000
CMD ["naering", "serve"]
