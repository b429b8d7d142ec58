/**
 * Benchmark inputs from fixed seeds. An input is described by a small plain object
 * ({@linkcode InputSpec}) so that `bench/bench_torch.py` can make the same numbers from the
 * same description: both sides use the counter form of mulberry32, element k (from 1) of seed s
 * being `mix((s + k * 0x6d2b79f5) mod 2^32)`.
 *
 * @module
 */

/** A described input: kind, shape and seed. */
export type InputSpec =
  /** float32 values `lo + u * (hi - lo)`, u in [0, 1) rounded to float32 after the affine map. */
  | { kind: "uniform"; shape: number[]; seed: number; lo: number; hi: number }
  /** float32 values -1 or 1 (`u < 0.5 ? -1 : 1`): targets of margin losses. */
  | { kind: "sign"; shape: number[]; seed: number }
  /** int64 class indices `offset + floor(u * classes)` (`offset` defaults to 0). */
  | { kind: "classes"; shape: number[]; seed: number; classes: number; offset?: number }
  /** float32 values 0 or 1 (`u < 0.5 ? 0 : 1`): multi-label targets. */
  | { kind: "binary"; shape: number[]; seed: number }
  /**
   * float32 log-probabilities: `lo + u * (hi - lo)` in float64, log-softmax over the last
   * dimension in float64 (max-shifted), then rounded to float32. CTC's inputs.
   */
  | { kind: "logprobs"; shape: number[]; seed: number; lo: number; hi: number }
  /**
   * int64 multi-label targets of shape (N, C): in each row the first `count` entries are
   * class indices `floor(u * C)` (repeats possible), the rest -1, as multilabel_margin_loss
   * reads them.
   */
  | { kind: "labels"; shape: number[]; seed: number; count: number };

/** The elements of an input, flat and row-major. */
export type InputData = Float32Array | BigInt64Array;

/** mulberry32's output for state `a` (already advanced), as a uint32. */
function mix(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** Uniform numbers in [0, 1): element k of the stream for `seed`, k = 1, 2, ... */
function unit(seed: number, n: number, f: (u: number, i: number) => void): void {
  for (let i = 0; i < n; i++) {
    const a = (seed + Math.imul(i + 1, 0x6d2b79f5)) >>> 0;
    f(mix(a) / 4294967296, i);
  }
}

/** The number of elements of a shape. */
export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes that an input occupies: 4 per float32, 8 per int64. */
export function bytesOf(spec: InputSpec): number {
  return numelOf(spec.shape) * (spec.kind === "classes" || spec.kind === "labels" ? 8 : 4);
}

/** Makes the elements that `spec` describes. */
export function makeInput(spec: InputSpec): InputData {
  const n = numelOf(spec.shape);
  switch (spec.kind) {
    case "uniform": {
      const out = new Float32Array(n);
      const { lo, hi } = spec;
      unit(spec.seed, n, (u, i) => out[i] = lo + u * (hi - lo));
      return out;
    }
    case "sign": {
      const out = new Float32Array(n);
      unit(spec.seed, n, (u, i) => out[i] = u < 0.5 ? -1 : 1);
      return out;
    }
    case "classes": {
      const out = new BigInt64Array(n);
      const c = spec.classes;
      const offset = spec.offset ?? 0;
      unit(spec.seed, n, (u, i) => out[i] = BigInt(offset + Math.floor(u * c)));
      return out;
    }
    case "binary": {
      const out = new Float32Array(n);
      unit(spec.seed, n, (u, i) => out[i] = u < 0.5 ? 0 : 1);
      return out;
    }
    case "logprobs": {
      const out = new Float32Array(n);
      const raw = new Float64Array(n);
      const { lo, hi } = spec;
      unit(spec.seed, n, (u, i) => raw[i] = lo + u * (hi - lo));
      const c = spec.shape[spec.shape.length - 1];
      for (let r = 0; r < n; r += c) {
        let m = -Infinity;
        for (let j = r; j < r + c; j++) m = Math.max(m, raw[j]);
        let s = 0;
        for (let j = r; j < r + c; j++) s += Math.exp(raw[j] - m);
        const lse = m + Math.log(s);
        for (let j = r; j < r + c; j++) out[j] = raw[j] - lse;
      }
      return out;
    }
    case "labels": {
      const out = new BigInt64Array(n);
      const c = spec.shape[spec.shape.length - 1];
      const count = spec.count;
      unit(spec.seed, n, (u, i) => out[i] = i % c < count ? BigInt(Math.floor(u * c)) : -1n);
      return out;
    }
  }
}
