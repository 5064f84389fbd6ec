# Sourced by the benchmark scripts from the repository root: installs what they need, builds
# the release configuration and sets $bin to its executables' folder.
scripts/install-deps.sh
command -v python3 >/dev/null || apt-get install -y -qq python3-minimal >&2
swift build -c release >&2
bin="$(swift build -c release --show-bin-path)"
