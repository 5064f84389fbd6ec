# Sourced by scripts/bench.sh from the repository root: compiles bench/tesseract-floor.c
# (the bare Tesseract C API in a loop) and sets $floor to it.
floor="$PWD/.build/bench/tesseract-floor"
mkdir -p "$(dirname "$floor")"
# shellcheck disable=SC2046 # pkg-config's flags are separate words
cc -O2 -g -o "$floor" bench/tesseract-floor.c $(pkg-config --cflags --libs tesseract lept) -lpthread
