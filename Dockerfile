FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY services ./services
COPY shared ./shared
RUN pip install --no-cache-dir .
USER nobody
