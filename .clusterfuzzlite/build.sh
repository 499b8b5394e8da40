#!/bin/bash -eu
# Builds every cargo-fuzz target of fuzz/ for ClusterFuzzLite and copies
# each binary, with its seed corpus, to $OUT. Runs inside the builder image
# (SRC, OUT, SANITIZER set by it) and, to check it, on a development machine:
#
#   OUT=/tmp/cflite-out RUSTC_BOOTSTRAP=1 .clusterfuzzlite/build.sh
#
# (with cargo-fuzz installed; on a stable toolchain RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass the sanitizer flags, see ../shared/TOOLING.md).
project="${SRC:-/nonexistent}/evm"
[ -d "$project/fuzz" ] || project=$(cd "$(dirname "$0")/.." && pwd)
cd "$project/fuzz"
# The builder image sets SANITIZER (address, undefined, memory, coverage);
# cargo-fuzz takes the same names. Off the image: address.
sanitizer="${SANITIZER:-address}"
if [ "$sanitizer" = "coverage" ] || [ "$sanitizer" = "undefined" ]; then sanitizer=none; fi
targets=$(cargo fuzz list)
cargo fuzz build -O --sanitizer "$sanitizer" --debug-assertions
triple=$(rustc -vV | sed -n 's/^host: //p')
mkdir -p "$OUT"
for target in $targets; do
  cp "target/$triple/release/$target" "$OUT/"
  if command -v zip >/dev/null && [ -d "corpus/$target" ] && [ -n "$(ls -A "corpus/$target")" ]; then
    (cd "corpus/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  fi
done
echo "built $(echo $targets | wc -w) targets into $OUT"
