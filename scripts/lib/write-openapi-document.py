#!/usr/bin/env python3
"""Writes OpenAPIDocument.swift (the gateway's /openapi.json: openapi.yaml as JSON) into the
folder of generated code, and stamps every generated file with openapi.yaml's SHA-256 so that
scripts/check-api.py can tell when they are stale."""
import hashlib
import json
import os
import sys

import yaml

spec_path, out = sys.argv[1], sys.argv[2]
spec = open(spec_path, "rb").read()
digest = hashlib.sha256(spec).hexdigest()
stamp = (
    f"// Generated from openapi.yaml (sha256 {digest}) by scripts/generate-api.sh.\n"
    "// swift-format-ignore-file\n"
)
document = json.dumps(yaml.safe_load(spec), indent=1, ensure_ascii=False)
with open(os.path.join(out, "OpenAPIDocument.swift"), "w") as f:
    f.write(
        "/// The gateway's OpenAPI document as JSON, served at `/openapi.json`.\n"
        "public enum OpenAPIDocument {\n"
        '    public static let json = #"""\n' + document + '\n"""#\n}\n'
    )
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name)
    text = open(path).read()
    open(path, "w").write(stamp + text)
