FROM python:3.11-slim
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
