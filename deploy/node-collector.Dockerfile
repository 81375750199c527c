# The image deploy/node-collector.yaml runs: the assessor package on a slim Python.
#   docker build -f deploy/node-collector.Dockerfile -t registry.example.com/assessor:0.1.0 .
FROM python:3.11-slim
COPY . /src
RUN python3 -m pip install --no-cache-dir /src && rm -rf /src
USER 0
ENTRYPOINT []
