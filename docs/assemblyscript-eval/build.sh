#!/bin/sh
# Builds the AssemblyScript kernels (asc 0.28.20 / binaryen 131.0.0-nightly.20260721) and the
# single-function .wat references (wabt 1.0.37, as wasm/build.ts).
set -e
mkdir -p "$(dirname "$0")/build"
cd "$(dirname "$0")"
for k in mse exp; do
  npx asc assembly/$k.ts -o build/$k.wasm -t build/$k.wat --enable simd -O3 --runtime stub --noAssert
  npx asc assembly/$k.ts -o build/${k}_O0.wasm -t build/${k}_O0.wat --enable simd -O0 --runtime stub --noAssert
done
npx asc assembly/exp_globals.ts -o build/exp_globals.wasm -t build/exp_globals.wat --enable simd -O3 --runtime stub --noAssert 2>/dev/null
node wat2wasm.mjs ref/mse_only.wat build/ref_mse_only.wasm
node wat2wasm.mjs ref/exp_only.wat build/ref_exp_only.wasm
ls -l build/*.wasm
