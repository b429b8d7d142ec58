/**
 * Helpers the tests share (not published): float distances in ulps, fixed input samples, and
 * the WebGPU adapter probe of the webgpu test files.
 *
 * @module
 */

/**
 * Distance in units in the last place between two floats of one width: 0 for nan and nan, and
 * for equal values of one sign; Infinity for 0 against -0, or nan against a number.
 */
export function ulps(got: number, want: number, f32: boolean): number {
  if (Number.isNaN(want) || Number.isNaN(got)) {
    return Number.isNaN(want) && Number.isNaN(got) ? 0 : Infinity;
  }
  if (got === want) return Object.is(got, want) ? 0 : Infinity; // 0 vs -0 counts
  if (f32) {
    const i = new Int32Array(new Float32Array([got, want]).buffer);
    return Math.abs(i[0] - i[1]);
  }
  const i = new BigInt64Array(new Float64Array([got, want]).buffer);
  return Number(i[0] > i[1] ? i[0] - i[1] : i[1] - i[0]);
}

/** A fixed, well spread sample of [lo, hi] (a Weyl sequence), plus the end points. */
export function sweep(lo: number, hi: number, n: number): number[] {
  const out = [lo, hi];
  for (let i = 0; i < n; i++) out.push(lo + (hi - lo) * ((i * 0.6180339887498949) % 1));
  return out;
}

/**
 * This runtime's WebGPU adapter, and why there is none (`missing`, printed as "`what` skipped:
 * ...") when there is none.
 */
export async function webgpuAdapter(
  what: string,
): Promise<{ adapter: GPUAdapter | null; missing: string | null }> {
  const adapter = await navigator.gpu?.requestAdapter();
  const missing = adapter === undefined
    ? "this runtime has no navigator.gpu"
    : adapter === null
    ? "navigator.gpu.requestAdapter() found no adapter"
    : null;
  if (missing !== null) console.log(`${what} skipped: ${missing}`);
  return { adapter: adapter ?? null, missing };
}
