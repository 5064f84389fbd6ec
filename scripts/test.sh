#!/usr/bin/env bash
# Installs what the tests need and runs every test. Tests start their own nats-server
# processes on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# libgomp reads this at load: Tesseract's OpenMP threads would fight the page parallelism.
export OMP_THREAD_LIMIT=1
swift build --build-tests
swift test --skip-build --disable-xctest
