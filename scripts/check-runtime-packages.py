#!/usr/bin/env python3
"""Checks a Dockerfile's runtime package list against what a built executable links.

    scripts/check-runtime-packages.py Dockerfile.worker .build/release/ocr-worker

Walks the executable's NEEDED libraries (readelf -d), resolved where the loader finds them
(ldd). Swift's own libraries are linked statically into the image (--static-swift-stdlib),
so their NEEDED system libraries count as the executable's. Each system library's Debian
package (dpkg -S) must be installed by the Dockerfile's last stage (`apt-get install`; the
base image's own libc6, zlib1g and the like are listed too, so nothing rests on what a base
image happens to hold). And every `lib*` package the stage installs
must be one of those: a stale one is reported too. Other packages (language data, fonts,
LibreOffice, curl for the health check) are the image's to choose.
Exit 0 when both hold; 1 with what is missing or stale.
"""
import os, re, shutil, subprocess, sys

dockerfile, binaries = sys.argv[1], sys.argv[2:]
# The toolchain's usr/ (…/usr/bin/swift → …/usr): its libraries are the ones linked statically.
SWIFT_TOOLCHAIN = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("swift") or "/opt/swift/usr/bin/swift")))


def runtime_packages(path):
    text = open(path).read().replace("\\\n", " ")
    stage = text.split("\nFROM ")[-1]
    packages = set()
    for command in re.findall(r"apt-get install ([^&;\n]*)", stage):
        packages |= {word for word in command.split() if not word.startswith("-")}
    return packages


def needed(path):
    output = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.+)\]", output)


def resolved(path):
    output = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^\s*(\S+) => (\S+)", output, re.M))


def package_of(library):
    real = os.path.realpath(library)
    for candidate in {library, real, real.replace("/usr/lib/", "/lib/", 1), library.replace("/usr/lib/", "/lib/", 1)}:
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0]
    return None


def system_packages(binary):
    locations = resolved(binary)
    packages, unknown, seen = set(), set(), set()
    pending = [binary]
    while pending:
        current = pending.pop()
        for name in needed(current):
            location = locations.get(name) or resolved(current).get(name)
            if name.startswith("ld-linux") or location is None or location in seen:
                continue
            seen.add(location)
            if location.startswith(SWIFT_TOOLCHAIN):
                pending.append(location)
            else:
                package = package_of(location)
                (packages.add(package) if package else unknown.add(location))
    return packages, unknown


listed = runtime_packages(dockerfile)
needed_packages, problems = set(), []
for binary in binaries:
    packages, unknown = system_packages(binary)
    needed_packages |= packages
    problems += [f"{binary}: {library} belongs to no Debian package" for library in sorted(unknown)]
missing = sorted(needed_packages - listed)
stale = sorted(package for package in listed if package.startswith("lib") and package not in needed_packages
               and not package.startswith("libreoffice"))
problems += [f"{dockerfile}: does not install {package}, which the executables link" for package in missing]
problems += [f"{dockerfile}: installs {package}, which no executable links" for package in stale]
print(f"{dockerfile}: executables link {', '.join(sorted(needed_packages))}")
for problem in problems:
    print(problem, file=sys.stderr)
sys.exit(1 if problems else 0)
