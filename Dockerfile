# loadlib: one image for the sandbox, the Locust master and the workers (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# build tools for wheels that may lack a binary for this platform (gevent, geventhttpclient)
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md* ./
COPY loadlib ./loadlib
RUN pip install .
# workloads and profiles are data the commands name: -f locustfiles/X.py, --load-profile NAME (./profiles)
COPY locustfiles ./locustfiles
COPY profiles ./profiles
RUN useradd --create-home --uid 10001 loadlib && chown -R loadlib /app
USER loadlib
EXPOSE 8089 5557 9646 8000
CMD ["locust", "--help"]
