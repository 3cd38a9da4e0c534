# Images for compose.yaml (docs/deploy.md). Target `app`: the assistant (chat, staff page,
# CLI) and the `chroma` CLI it ships with. Target `llm`: llama.cpp's OpenAI-compatible server.
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# torch first and CPU-only, pinned as in the Makefile: an unpinned torch pulls a CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY pyproject.toml README.md* ./
COPY assistant assistant
COPY ingest ingest
COPY ui ui
COPY cli cli
RUN pip install '.[openai]'
COPY corpus corpus
RUN useradd --uid 10001 --create-home app && mkdir -p /data /chroma-data \
    && chown app /data /chroma-data
USER app
ENV FA_HOST=0.0.0.0 FA_PORT=7860 FA_DATA_DIR=/data FA_CORPUS_DIR=/app/corpus
EXPOSE 7860
CMD ["flanders-assistant", "serve"]

FROM python:3.11-slim AS llm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
# Portable build, as in the Makefile: -march=native would tie the image to the build host's
# CPU, and on a CPU with AMX a native build segfaults in decode (ggml-org/llama.cpp#20824).
RUN CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install 'llama-cpp-python[server]>=0.3'
EXPOSE 8000
