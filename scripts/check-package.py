#!/usr/bin/env python3
"""Checks that Package.swift tells the truth, and that docs/architecture.md tells it too.

1. Every Swift target declares each module its sources import (a module that is only reachable
   through another product builds today by accident and breaks when that product changes), and
   imports each dependency it declares (stale ones slow every build).
2. The module tables of docs/architecture.md name every target once, and each row's
   "depends on" column lists exactly the target's declared dependencies: targets of this
   package and products, by name.

The manifest is read with `swift package dump-package`, in a scratch directory of its own so
that it neither waits for nor disturbs a build. Exits 1 naming every finding and what to change.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARCHITECTURE = "docs/architecture.md"

# Modules of the toolchain and the OS, never package dependencies. Darwin, Musl, ucrt and WinSDK
# are here for `#if canImport(...)` alternatives of Glibc, should any appear.
SYSTEM_MODULES = {
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking",
    "FoundationXML", "CoreFoundation", "Dispatch", "Glibc", "Musl", "Darwin", "ucrt", "WinSDK",
    "Android", "Bionic", "Synchronization", "Observation", "RegexBuilder", "Distributed",
    "_Concurrency", "_StringProcessing", "Swift", "Testing", "XCTest", "PackageDescription",
}

# Products whose modules are not just the product's own name (read off their packages'
# manifests). A product absent here provides the module of its name.
PRODUCT_MODULES = {
    ("swift-nio", "_NIOFileSystem"): {"_NIOFileSystem", "NIOFileSystem"},
}

IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*"  # @testable, @preconcurrency, @_implementationOnly ...
    r"(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?"
    r"([A-Za-z_][A-Za-z0-9_]*)"
)


def dump_package():
    with tempfile.TemporaryDirectory(prefix="check-package-") as scratch:
        result = subprocess.run(
            ["swift", "package", "--package-path", ROOT, "--scratch-path", scratch, "dump-package"],
            capture_output=True, text=True,
        )
    if result.returncode != 0:
        sys.exit(f"swift package dump-package failed:\n{result.stderr}")
    return json.loads(result.stdout)


def target_path(target):
    if target.get("path"):
        return os.path.join(ROOT, target["path"])
    folder = "Tests" if target["type"] == "test" else "Sources"
    return os.path.join(ROOT, folder, target["name"])


def swift_files(target):
    base = target_path(target)
    excluded = [os.path.join(base, e) for e in target.get("exclude", [])]
    for directory, _, names in os.walk(base):
        for name in sorted(names):
            path = os.path.join(directory, name)
            if name.endswith(".swift") and not any(path.startswith(e) for e in excluded):
                yield path


def imports(path):
    """The modules a Swift file imports, with the first line of each; text inside block
    comments and multi-line string literals (a Python snippet, say) is not code."""
    found = {}
    in_string = in_comment = False
    with open(path, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if in_comment:
                if "*/" in line:
                    in_comment = False
                continue
            if in_string:
                if line.count('"""') % 2 == 1:
                    in_string = False
                continue
            if line.count('"""') % 2 == 1:
                in_string = True
            if line.lstrip().startswith("/*") and "*/" not in line:
                in_comment = True
                continue
            match = IMPORT.match(line)
            if match:
                found.setdefault(match.group(1), number)
    return found


def declared(target, local_targets):
    """The target's dependencies as (name shown in docs, modules it provides)."""
    result = []
    for dependency in target["dependencies"]:
        if "byName" in dependency or "target" in dependency:
            name = (dependency.get("byName") or dependency.get("target"))[0]
            modules = {name} if name in local_targets else PRODUCT_MODULES.get((None, name), {name})
        else:
            name, package = dependency["product"][0], dependency["product"][1]
            modules = PRODUCT_MODULES.get((package, name), {name})
        result.append((name, modules))
    return result


def check_imports(package):
    local_targets = {t["name"] for t in package["targets"]}
    findings = []
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        files = list(swift_files(target))
        if not files:  # C targets: their headers say what they need
            continue
        used = {}
        for path in files:
            for module, line in imports(path).items():
                used.setdefault(module, f"{os.path.relpath(path, ROOT)}:{line}")
        dependencies = declared(target, local_targets)
        provided = set().union(*(modules for _, modules in dependencies)) if dependencies else set()
        for module, where in sorted(used.items()):
            if module in SYSTEM_MODULES or module in provided or module == target["name"]:
                continue
            kind = "target" if module in local_targets else "product (and its package, if new)"
            findings.append(
                f"target `{target['name']}` imports `{module}` ({where}) but does not declare it: "
                f"add the {kind} `{module}` to its dependencies in Package.swift"
            )
        # A build plugin's generated sources (swift-openapi-generator's, say) import modules
        # the checked-in sources need not.
        if target.get("pluginUsages"):
            continue
        for name, modules in dependencies:
            if not modules & set(used):
                findings.append(
                    f"target `{target['name']}` declares `{name}` but never imports it: "
                    f"remove it from its dependencies in Package.swift"
                )
    return findings


def table_rows(text):
    """(line number, target names, dependency names) of each row of the tables under
    '## Modules' whose header's last column is 'depends on'."""
    rows = []
    in_section = in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            in_section = line.strip() == "## Modules"
            in_table = False
            continue
        if not in_section:
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[-1] == "depends on":
            in_table = True
            continue
        if not in_table or set(cells[0]) <= {"-", ":"}:
            continue
        targets = re.findall(r"`([^`]+)`", cells[0])
        dependencies = re.findall(r"`([^`]+)`", cells[-1])
        leftover = re.sub(r"`[^`]+`", "", cells[-1]).replace(",", "").strip()
        rows.append((number, targets, dependencies, leftover not in ("", "—")))
    return rows


def check_module_table(package):
    path = os.path.join(ROOT, ARCHITECTURE)
    with open(path, encoding="utf-8") as doc:
        rows = table_rows(doc.read())
    if not rows:
        return [f"{ARCHITECTURE}: no table with a 'depends on' column under '## Modules'"]
    targets = {t["name"]: t for t in package["targets"]}
    local = set(targets)
    findings = []
    seen = {}
    for line, names, dependencies, prose in rows:
        where = f"{ARCHITECTURE}:{line}"
        if prose:
            findings.append(
                f"{where}: the 'depends on' column may hold only `names` separated by commas (or —)"
            )
        for name in names:
            if name not in targets:
                findings.append(
                    f"{where}: row `{name}` names no target of Package.swift: remove the row "
                    f"(or rename it, if the target was renamed)"
                )
                continue
            if name in seen:
                findings.append(f"{where}: `{name}` has a row already at line {seen[name]}: keep one")
            seen[name] = line
            expected = [n for n, _ in declared(targets[name], local)]
            if set(dependencies) != set(expected):
                added = sorted(set(expected) - set(dependencies))
                removed = sorted(set(dependencies) - set(expected))
                change = "; ".join(
                    part for part in (
                        "add " + ", ".join(f"`{n}`" for n in added) if added else "",
                        "remove " + ", ".join(f"`{n}`" for n in removed) if removed else "",
                    ) if part
                )
                should = ", ".join(f"`{n}`" for n in expected) or "—"
                hint = " (give it a row of its own)" if len(names) > 1 else ""
                findings.append(f"{where}: row `{name}`: {change}{hint}; the column should read: {should}")
    for name, target in targets.items():
        if name not in seen:
            should = ", ".join(f"`{n}`" for n, _ in declared(target, local)) or "—"
            table = "the test targets' table" if target["type"] == "test" else "the targets' table"
            findings.append(
                f"{ARCHITECTURE}: target `{name}` has no row: add to {table} "
                f"| `{name}` | what it does | {should} |"
            )
    return findings


def main():
    package = dump_package()
    failed = False
    for title, findings in (
        ("Package.swift: imports and declared dependencies", check_imports(package)),
        (f"{ARCHITECTURE}: the module tables against Package.swift", check_module_table(package)),
    ):
        if findings:
            failed = True
            print(f"{title}:", file=sys.stderr)
            for finding in findings:
                print(f"  - {finding}", file=sys.stderr)
    if failed:
        sys.exit(1)
    print("Package.swift declares what every target imports, and docs/architecture.md agrees with it")


if __name__ == "__main__":
    main()
