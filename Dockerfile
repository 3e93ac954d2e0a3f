# One image for Chorus's Python services (chat, room, gateway) with the built
# web client. docker-compose.yml runs each service from it as its own
# container. Models are fetched into a volume at first start, not baked in.

FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
ENV UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    CMAKE_ARGS="-DGGML_NATIVE=OFF"
COPY pyproject.toml uv.lock ./
COPY protos/ protos/
COPY libs/ libs/
COPY services/ services/
RUN uv sync --frozen --no-dev
COPY scripts/fetch_models.py scripts/fetch_models.py
COPY --from=web /src/web/dist web/dist
ENV PATH=/app/.venv/bin:$PATH \
    CHORUS_MODELS_DIR=/models \
    CHORUS_GATEWAY_WEB_DIST=/app/web/dist
EXPOSE 8000
CMD ["python", "-m", "chorus_gateway"]
