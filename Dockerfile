# One image for the gateway and both subgraphs; compose.yaml picks the process with `axiom serve NAME`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
# --no-default-groups: neither the test tools (`dev`) nor the embedded development servers (`embedded`,
# ~150 MB); production points DATABASE_URL, REDIS_URL and NEO4J_URI at real servers.
RUN uv sync --frozen --no-default-groups --no-install-project
COPY . .
RUN uv sync --frozen --no-default-groups
USER nobody
CMD ["axiom", "serve", "gateway"]
