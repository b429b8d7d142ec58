// node wat2wasm.mjs in.wat out.wasm  (same wabt and options as wasm/build.ts)
import wabtInit from "wabt";
import { readFileSync, writeFileSync } from "node:fs";
const wabt = await wabtInit();
const [inp, out] = process.argv.slice(2);
const m = wabt.parseWat(inp, readFileSync(inp, "utf8"), { simd: true });
m.validate();
writeFileSync(out, m.toBinary({}).buffer);
m.destroy();
