# gtops in a small image, for GitLab CI and any runner that takes a container:
#   docker build -t gtops:0.1.0 .
#   docker run --rm -v "$PWD:/work" -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#     -e AWS_SESSION_TOKEN gtops:0.1.0 plan specs/labeling
# The image holds gtops without the sandbox extra (no moto), runs as a non-root user, and has gtops as its
# entry point. GTOPS_VERSION must be the version of this checkout: the build stops otherwise.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gtops ./gtops
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG GTOPS_VERSION=0.1.0
LABEL org.opencontainers.image.title="gtops" \
      org.opencontainers.image.description="Declarative plan/apply for SageMaker Ground Truth private labeling" \
      org.opencontainers.image.version="${GTOPS_VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir "/wheels/gtops-${GTOPS_VERSION}-py3-none-any.whl" \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 --user-group gtops
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["gtops"]
CMD ["--help"]
