/**
 * PyTorch's text for a tensor (`str(t)` in Python, `torch/_tensor_str.py` of 1.13): four
 * decimals, scientific notation when the magnitudes call for it, columns padded to the widest
 * element, lines wrapped at 80 characters, `...` summaries above 1000 elements, and the
 * `dtype=`, `size=`, `requires_grad=True` and `grad_fn=<...>` suffixes.
 *
 * Numbers are formatted from their exact binary value with ties to even, as Python's
 * `'{:.4f}'` and `'{:.4e}'` do (JavaScript's `toFixed` rounds ties away from zero).
 *
 * @module
 */

import type { DType, TypedArray } from "./storage.ts";

/** What the printer needs to know about a tensor. */
export interface PrintInput {
  shape: readonly number[];
  dtype: DType;
  storage: TypedArray;
  gradFnName: string | null;
  requiresGrad: boolean;
}

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

const TORCH_DTYPE: Record<DType, string> = {
  float32: "torch.float32",
  float64: "torch.float64",
  int64: "torch.int64",
  bool: "torch.bool",
};

/** The exact value of a finite double as `mantissa * 2^exponent` with bigints. */
function exactParts(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const frac = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: biased - 1075 };
}

/** round(|x| * 10^scale) to an integer, ties to even, exactly. */
function scaledRound(x: number, scale: number): bigint {
  const { m, e } = exactParts(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (scale >= 0) num *= 10n ** BigInt(scale);
  else den *= 10n ** BigInt(-scale);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return null;
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python's `'{:.Nf}'.format(x)`. */
export function formatFixed(x: number, digits: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const q = scaledRound(x, digits).toString().padStart(digits + 1, "0");
  const body = digits === 0 ? q : `${q.slice(0, q.length - digits)}.${q.slice(q.length - digits)}`;
  return (isNegative(x) ? "-" : "") + body;
}

/** Python's `'{:.Ne}'.format(x)`. */
export function formatExp(x: number, digits: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const sign = isNegative(x) ? "-" : "";
  let exp = 0;
  let q = 0n;
  if (x !== 0) {
    exp = Math.floor(Math.log10(Math.abs(x)));
    // log10 may be off by one near powers of ten: settle on the exponent that gives
    // digits + 1 significant digits after rounding.
    for (;;) {
      q = scaledRound(x, digits - exp);
      const len = q.toString().length;
      if (len > digits + 1) exp++;
      else if (len < digits + 1) exp--;
      else break;
    }
  }
  const s = q.toString().padStart(digits + 1, "0");
  const mant = digits === 0 ? s : `${s[0]}.${s.slice(1)}`;
  const expText = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return `${sign}${mant}e${expText}`;
}

function elementText(storage: TypedArray, dtype: DType, i: number): string {
  if (dtype === "bool") return storage[i] ? "True" : "False";
  return String(storage[i]);
}

/** torch's `_Formatter`: picks fixed, integer or scientific mode and the column width. */
class Formatter {
  readonly floating: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;

  constructor(values: number[] | string[], floating: boolean) {
    this.floating = floating;
    if (!floating) {
      for (const v of values as string[]) this.maxWidth = Math.max(this.maxWidth, v.length);
      return;
    }
    const finite = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    this.intMode = finite.every((v) => Math.ceil(v) === v);
    const width = (f: (v: number) => string, extra: number): void => {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, f(v).length + extra);
    };
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        width((v) => formatExp(v, PRECISION), 0);
      } else width((v) => formatFixed(v, 0), 1);
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      width((v) => formatExp(v, PRECISION), 0);
    } else width((v) => formatFixed(v, PRECISION), 0);
  }

  format(value: number | string): string {
    let text: string;
    if (!this.floating) text = value as string;
    else {
      const v = value as number;
      if (this.sciMode) text = formatExp(v, PRECISION);
      else if (this.intMode) text = formatFixed(v, 0) + (Number.isFinite(v) ? "." : "");
      else text = formatFixed(v, PRECISION);
    }
    return text.padStart(this.maxWidth, " ");
  }
}

/** Row-major strides of `shape`. */
function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** The indices along one dimension that a (possibly summarised) print shows; -1 is `...`. */
function shownIndices(size: number, summarize: boolean): number[] {
  if (summarize && size > 2 * EDGEITEMS) {
    const head = Array.from({ length: EDGEITEMS }, (_, i) => i);
    const tail = Array.from({ length: EDGEITEMS }, (_, i) => size - EDGEITEMS + i);
    return [...head, -1, ...tail];
  }
  return Array.from({ length: size }, (_, i) => i);
}

/** torch's `get_summarized_data`: the flat offsets of the elements a summary shows. */
function summarizedOffsets(
  shape: readonly number[],
  strides: number[],
  summarize: boolean,
): number[] {
  const out: number[] = [];
  const walk = (dim: number, base: number): void => {
    if (dim === shape.length) {
      out.push(base);
      return;
    }
    for (const i of shownIndices(shape[dim], summarize)) {
      if (i >= 0) walk(dim + 1, base + i * strides[dim]);
    }
  };
  walk(0, 0);
  return out;
}

/** Formats a tensor as PyTorch's `str(tensor)`. */
export function formatTensor(t: PrintInput): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const numel = t.storage.length;
  const floating = t.dtype === "float32" || t.dtype === "float64";
  let body: string;
  if (numel === 0) {
    if (t.shape.length !== 1) suffixes.push(`size=${pyTuple(t.shape)}`);
    if (t.dtype !== "float32") suffixes.push(`dtype=${TORCH_DTYPE[t.dtype]}`);
    body = "[]";
  } else {
    if (t.dtype === "float64") suffixes.push(`dtype=${TORCH_DTYPE[t.dtype]}`);
    body = tensorBody(t, indent, floating);
  }
  if (t.gradFnName !== null) suffixes.push(`grad_fn=<${t.gradFnName}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function tensorBody(t: PrintInput, indent: number, floating: boolean): string {
  const { shape, storage, dtype } = t;
  const summarize = storage.length > THRESHOLD;
  const strides = stridesOf(shape);
  const value = (i: number): number | string =>
    floating ? Number(storage[i]) : elementText(storage, dtype, i);
  const offsets = summarizedOffsets(shape, strides, summarize);
  const formatter = new Formatter(
    (floating
      ? offsets.map((i) => Number(storage[i]))
      : offsets.map((i) => elementText(storage, dtype, i))) as number[] | string[],
    floating,
  );
  if (shape.length === 0) return formatter.format(value(0));

  const vector = (base: number, ind: number): string => {
    const elementLength = formatter.maxWidth + 2;
    const perLine = Math.max(1, Math.floor((LINEWIDTH - ind) / elementLength));
    const size = shape[shape.length - 1];
    const stride = strides[shape.length - 1];
    const data = shownIndices(size, summarize).map((i) =>
      i < 0 ? " ..." : formatter.format(value(base + i * stride))
    );
    const lines: string[] = [];
    for (let i = 0; i < data.length; i += perLine) {
      lines.push(data.slice(i, i + perLine).join(", "));
    }
    return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
  };

  const walk = (dim: number, base: number, ind: number): string => {
    if (dim === shape.length - 1) return vector(base, ind);
    const slices = shownIndices(shape[dim], summarize).map((i) =>
      i < 0 ? "..." : walk(dim + 1, base + i * strides[dim], ind + 1)
    );
    const rest = shape.length - dim;
    return "[" + slices.join("," + "\n".repeat(rest - 1) + " ".repeat(ind + 1)) + "]";
  };
  return walk(0, 0, indent);
}

function addSuffixes(text: string, suffixes: string[], indent: number): string {
  const parts = [text];
  let lastLineLen = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > LINEWIDTH) {
      parts.push(",\n" + " ".repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(", " + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}
