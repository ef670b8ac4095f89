#!/usr/bin/env bash
# Builds s3kernels.wasm from s3kernels.c (clang + lld, Debian clang-16/lld-16) and checks it is safe to run inside
# TF.js's wasm memory: no data segments, memory imported. The built file is committed so users need no compiler.
set -euo pipefail
cd "$(dirname "$0")"
# Debian's clang-16 finds its wasm-ld only in LLVM's own bin folder.
export PATH="$PATH:/usr/lib/llvm-16/bin"
CLANG=${CLANG:-$(command -v clang-16 || command -v clang || true)}
if [ -z "$CLANG" ]; then
  echo "s3kernels: clang-16 is not installed (needed to build the wasm kernels): apt-get install -y clang-16 lld-16" >&2
  exit 127
fi
if ! command -v wasm-ld >/dev/null; then
  echo "s3kernels: wasm-ld is not installed (the WebAssembly linker): apt-get install -y lld-16" >&2
  exit 127
fi
outdir=$(realpath "${1:-.}")
build() { # $1: output file, then extra flags
  local out=$1; shift
  "$CLANG" --target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding -fno-builtin \
    -Wall -Wextra -Werror "$@" \
    -Wl,--no-entry -Wl,--import-memory -Wl,--export-dynamic -Wl,--export=__stack_pointer \
    -Wl,--initial-memory=131072 -Wl,-z,stack-size=65536 \
    -o "$out" s3kernels.c
  if command -v wasm-objdump >/dev/null && wasm-objdump -h "$out" | grep -q ' Data '; then
    echo "s3kernels: data segment present in $out; it would overwrite the host module's memory" >&2
    exit 1
  fi
  echo "built $out ($(stat -c %s "$out") bytes)"
}
# Plain WebAssembly SIMD (every runtime), and relaxed SIMD with fused multiply-add (Node ≥ 22, Electron, Chrome).
build "$outdir/s3kernels.wasm"
build "$outdir/s3kernels-relaxed.wasm" -mrelaxed-simd -DS3_RELAXED_SIMD
