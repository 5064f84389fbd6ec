#!/usr/bin/env python3
"""Fails when OCRFleetAPI's generated code or served document is not what
scripts/generate-api.sh makes of the current openapi.yaml."""
import glob
import hashlib
import json
import os
import sys

import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
api = os.path.join(root, "Sources/OCRFleetAPI")
spec = open(os.path.join(api, "openapi.yaml"), "rb").read()
stamp = f"// Generated from openapi.yaml (sha256 {hashlib.sha256(spec).hexdigest()})"
problems = []
files = sorted(glob.glob(os.path.join(api, "Generated/*.swift")))
names = {os.path.basename(f) for f in files}
for expected in ("Types.swift", "Server.swift", "Client.swift", "OpenAPIDocument.swift"):
    if expected not in names:
        problems.append(f"Generated/{expected} is missing")
for path in files:
    if not open(path).readline().startswith(stamp):
        problems.append(f"{os.path.relpath(path, root)} was not generated from this openapi.yaml")
document = os.path.join(api, "Generated/OpenAPIDocument.swift")
if os.path.exists(document):
    text = open(document).read()
    served = json.loads(text[text.index('#"""') + 4 : text.rindex('"""#')])
    if served != yaml.safe_load(spec):
        problems.append("Generated/OpenAPIDocument.swift does not hold openapi.yaml")
for problem in problems:
    print(f"check-api: {problem}; run scripts/generate-api.sh", file=sys.stderr)
sys.exit(1 if problems else 0)
