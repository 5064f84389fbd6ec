#!/usr/bin/env bash
# Generates OCRFleetAPI's server and client code, and the document the gateway serves at
# /openapi.json, from Sources/OCRFleetAPI/openapi.yaml. Run it after editing that file and
# commit what it writes; scripts/check-api.py (run by scripts/test.sh) fails when they disagree.
#
# The code is generated ahead of time rather than by the package plugin: the plugin would
# build swift-openapi-generator and its dependencies in every clean build (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# OPENAPI_GENERATOR names a built swift-openapi-generator of this version to skip the build.
version=1.14.3
generator=${OPENAPI_GENERATOR:-}
if [[ -z $generator ]]; then
  src=.build-openapi-generator/swift-openapi-generator-$version
  if [[ ! -d $src ]]; then
    git clone --quiet --depth 1 --branch "$version" https://github.com/apple/swift-openapi-generator "$src"
  fi
  swift build --package-path "$src" --product swift-openapi-generator >&2
  generator="$(swift build --package-path "$src" --show-bin-path)/swift-openapi-generator"
fi

api=Sources/OCRFleetAPI
out=$api/Generated
rm -rf "$out"
mkdir -p "$out"
"$generator" generate "$api/openapi.yaml" --config "$api/openapi-generator-config.yaml" \
  --output-directory "$out" >&2
python3 scripts/lib/write-openapi-document.py "$api/openapi.yaml" "$out"
