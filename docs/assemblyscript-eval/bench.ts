// Compares the .wat kernels (ref/*_only.wat: mse_sum of wasm/elementwise.wat and exp_rows_f32
// of wasm/softmax.wat as they were at the evaluation, built by wat2wasm.mjs with the wabt that
// wasm/build.ts uses) with the asc builds (build/*.wasm): bit-identity of outputs, then
// interleaved timing (A, B, A, B, ...).
// deno run --allow-read --allow-env bench.ts [reps]

const REPS = Number(Deno.args[0] ?? 20);

const built = (name: string) => Deno.readFileSync(new URL("./build/" + name, import.meta.url));
function inst(bytes: Uint8Array, bytesNeeded: number) {
  const i = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const mem = i.exports.memory as WebAssembly.Memory;
  const have = mem.buffer.byteLength;
  if (have < bytesNeeded) mem.grow(Math.ceil((bytesNeeded - have) / 65536));
  return { ex: i.exports as Record<string, CallableFunction>, mem };
}

// deterministic PRNG (xorshift32) -> uniform [-2, 2] float32
let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
function uniform(n: number, lo = -2, hi = 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
function sameBits(a: ArrayBufferView, b: ArrayBufferView): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  if (ua.length !== ub.length) return -2;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}
const f64bits = (x: number) => {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, x);
  return d.getBigUint64(0);
};
let failures = 0;
function check(what: string, ok: boolean, detail = "") {
  if (!ok) { failures++; console.log(`MISMATCH ${what} ${detail}`); }
}

// ---------------------------------------------------------------- mse_sum
const CHUNK_BYTES = 16384, SLOT = CHUNK_BYTES + 16, CH = CHUNK_BYTES / 4;
const mseW = inst(built("ref_mse_only.wasm"), 4 * SLOT);
const mseA = inst(built(Deno.env.get("MSE_WASM") ?? "mse.wasm"), 4 * SLOT);
type MseFn = (a: number, b: number, c: number, o: number, n: number, p0: number, p1: number, p2: number, p3: number) => number;
const mseFnW = mseW.ex.mse_sum as MseFn, mseFnA = mseA.ex.mse_sum as MseFn;

// the library's driver (losses/_cpu/simd.ts): 16 KiB chunks copied in, sums added in JS
function mseRun(k: typeof mseW, fn: MseFn, a: Float32Array, b: Float32Array, perChunk?: number[]): number {
  const sa = new Float32Array(k.mem.buffer, 0, CH), sb = new Float32Array(k.mem.buffer, SLOT, CH);
  let total = 0;
  for (let s = 0; s < a.length; s += CH) {
    const e = Math.min(a.length, s + CH);
    sa.set(a.subarray(s, e));
    sb.set(b.subarray(s, e));
    const r = fn(0, SLOT, 2 * SLOT, 3 * SLOT, e - s, 0, 0, 0, 0);
    perChunk?.push(r);
    total += r;
  }
  return total;
}

{
  // bit identity: 1e6 elements, plus lengths 0..67 and 1e6 + 3 (tails), plus special values
  const cases: [string, number][] = [["n=1e6", 1e6], ["n=1e6+3", 1e6 + 3]];
  for (let n = 0; n < 68; n++) cases.push([`n=${n}`, n]);
  for (const [name, n] of cases) {
    const a = uniform(n), b = uniform(n);
    const cw: number[] = [], ca: number[] = [];
    const tw = mseRun(mseW, mseFnW, a, b, cw), ta = mseRun(mseA, mseFnA, a, b, ca);
    check(`mse ${name} total`, f64bits(tw) === f64bits(ta), `${tw} vs ${ta}`);
    for (let i = 0; i < cw.length; i++) check(`mse ${name} chunk ${i}`, f64bits(cw[i]) === f64bits(ca[i]));
    if (n === 1e6) console.log(`mse n=1e6 total: wat ${tw}  asc ${ta}`);
  }
  const sp = new Float32Array([NaN, Infinity, -Infinity, 3e38, -3e38, 1e-45, -0, 0, 1, 2, NaN, 5]);
  const sq = new Float32Array([1, Infinity, 1, -3e38, 3e38, -1e-45, 0, -0, NaN, 2, NaN, 5]);
  const tw = mseRun(mseW, mseFnW, sp, sq), ta = mseRun(mseA, mseFnA, sp, sq);
  check("mse specials", Object.is(tw, ta) || (isNaN(tw) && isNaN(ta)), `${tw} vs ${ta}`);
}

// ---------------------------------------------------------------- exp_rows_f32
const ROWS = 1024, COLS = 1000, CHUNK = 16384;
function layout(cols: number) {
  const rowsPer = Math.max(1, Math.floor(CHUNK / Math.max(cols, 1)));
  const span = ((rowsPer * cols * 4 + 15) & ~15) + 16;
  return { rowsPer, xPtr: 0, outPtr: span, statsPtr: 2 * span, end: 2 * span + rowsPer * 16 };
}
const expW = inst(built("ref_exp_only.wasm"), layout(1).end + 4 * CHUNK * 4);
const expA = inst(built(Deno.env.get("EXP_WASM") ?? "exp.wasm"), layout(1).end + 4 * CHUNK * 4);
type ExpFn = (x: number, out: number, rows: number, cols: number, stats: number, withMax: number) => void;
const expFnW = expW.ex.exp_rows_f32 as ExpFn, expFnA = expA.ex.exp_rows_f32 as ExpFn;

// the library's driver (losses/_cpu/row_kernels.ts): whole rows per chunk, copied in and out
function expRun(k: typeof expW, fn: ExpFn, x: Float32Array, rows: number, cols: number,
  withMax: number, out: Float32Array, stats: Float64Array) {
  const L = layout(cols);
  const bx = new Float32Array(k.mem.buffer, L.xPtr, L.rowsPer * cols);
  const bo = new Float32Array(k.mem.buffer, L.outPtr, L.rowsPer * cols);
  const bs = new Float64Array(k.mem.buffer, L.statsPtr, L.rowsPer * 2);
  for (let r0 = 0; r0 < rows; r0 += L.rowsPer) {
    const n = Math.min(L.rowsPer, rows - r0);
    bx.set(x.subarray(r0 * cols, (r0 + n) * cols));
    fn(L.xPtr, L.outPtr, n, cols, L.statsPtr, withMax);
    out.set(bo.subarray(0, n * cols), r0 * cols);
    stats.set(bs.subarray(0, 2 * n), 2 * r0);
  }
}
function expCompare(name: string, x: Float32Array, rows: number, cols: number, withMax: number) {
  const ow = new Float32Array(rows * cols), oa = new Float32Array(rows * cols);
  const sw = new Float64Array(2 * rows), sa = new Float64Array(2 * rows);
  expRun(expW, expFnW, x, rows, cols, withMax, ow, sw);
  expRun(expA, expFnA, x, rows, cols, withMax, oa, sa);
  const io = sameBits(ow, oa), is = sameBits(sw, sa);
  check(`exp ${name} out`, io === -1, `first differing word ${io}: ${ow[io]} vs ${oa[io]}`);
  check(`exp ${name} stats`, is === -1, `first differing word ${is}`);
  return { ow, sw };
}
{
  const x = uniform(ROWS * COLS);
  const { ow, sw } = expCompare("1024x1000 withMax=1", x, ROWS, COLS, 1);
  console.log(`exp 1024x1000: out[0..2] ${ow[0]} ${ow[1]}, stats row0 m=${sw[0]} s=${sw[1]}`);
  expCompare("1024x1000 withMax=0", x, ROWS, COLS, 0);
  for (const cols of [1, 2, 3, 4, 5, 7, 8, 9, 13, 1003, 16384, 20000]) {
    expCompare(`8x${cols}`, uniform(8 * cols, -30, 30), 8, cols, 1);
  }
  // specials: nan, +-inf, huge, tiny, subnormal results, overflow
  const sp = new Float32Array([NaN, Infinity, -Infinity, 88.7, 88.8, 89, 100, -87, -100, -103, -104, -200,
    -0, 0, 1e-30, -1e-30, 0.34657359, -0.34657359, 3.4e38, -3.4e38, 5, 6, 7]);
  expCompare("specials withMax=0", sp, 1, sp.length, 0);
  expCompare("specials withMax=1", sp, 1, sp.length, 1);
  expCompare("specials 23x1 withMax=0", sp, sp.length, 1, 0);
  expCompare("specials 23x1 withMax=1", sp, sp.length, 1, 1);
  // every float32 in a band, as one row each of 4096 without a max
  const band = new Float32Array(1 << 20);
  const bu = new Uint32Array(band.buffer);
  for (let i = 0; i < bu.length; i++) bu[i] = (0xc2d00000 + i * 997) >>> 0; // spans negatives near -104
  expCompare("bit patterns", band, 256, 4096, 0);
  const band2 = new Float32Array(1 << 20);
  const bu2 = new Uint32Array(band2.buffer);
  for (let i = 0; i < bu2.length; i++) bu2[i] = (i * 4093) >>> 0; // positive floats incl. nan/inf range
  expCompare("bit patterns 2", band2, 256, 4096, 0);
}
console.log(failures === 0 ? "bit-identical: all checks passed" : `${failures} mismatches`);

// ---------------------------------------------------------------- timing, interleaved
function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}
function interleave(name: string, fw: () => void, fa: () => void) {
  for (let i = 0; i < 3; i++) { fw(); fa(); } // warm-up (tier-up)
  const tw: number[] = [], ta: number[] = [];
  for (let i = 0; i < REPS; i++) {
    if (i % 2 === 0) { tw.push(time(fw)); ta.push(time(fa)); }
    else { ta.push(time(fa)); tw.push(time(fw)); }
  }
  const mw = median(tw), ma = median(ta);
  console.log(`${name.padEnd(34)} wat ${mw.toFixed(3)} ms  asc ${ma.toFixed(3)} ms  asc/wat ${(ma / mw).toFixed(3)}` +
    `  (min wat ${Math.min(...tw).toFixed(3)} asc ${Math.min(...ta).toFixed(3)})`);
}
{
  const a = uniform(1e6), b = uniform(1e6);
  interleave("mse 1e6 (library driver, copies)", () => mseRun(mseW, mseFnW, a, b), () => mseRun(mseA, mseFnA, a, b));
  // kernel only: the chunk already in memory, 244 calls of 4096 elements (~1e6)
  for (const k of [mseW, mseA]) {
    new Float32Array(k.mem.buffer, 0, CH).set(a.subarray(0, CH));
    new Float32Array(k.mem.buffer, SLOT, CH).set(b.subarray(0, CH));
  }
  const kern = (fn: MseFn) => () => { for (let i = 0; i < 244; i++) fn(0, SLOT, 2 * SLOT, 3 * SLOT, CH, 0, 0, 0, 0); };
  interleave("mse kernel only (244 x 4096)", kern(mseFnW), kern(mseFnA));

  const x = uniform(ROWS * COLS);
  const out = new Float32Array(ROWS * COLS), st = new Float64Array(2 * ROWS);
  interleave("exp 1024x1000 (library driver)", () => expRun(expW, expFnW, x, ROWS, COLS, 1, out, st),
    () => expRun(expA, expFnA, x, ROWS, COLS, 1, out, st));
  const L = layout(COLS);
  for (const k of [expW, expA]) new Float32Array(k.mem.buffer, 0, L.rowsPer * COLS).set(x.subarray(0, L.rowsPer * COLS));
  const kx = (fn: ExpFn) => () => { for (let i = 0; i < ROWS / L.rowsPer; i++) fn(L.xPtr, L.outPtr, L.rowsPer, COLS, L.statsPtr, 1); };
  interleave("exp kernel only (64 x 16 rows)", kx(expFnW), kx(expFnA));
}
