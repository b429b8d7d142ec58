/**
 * Float32 rounding for hot loops that serve both dtypes.
 *
 * @module
 */

/**
 * `Math.fround(v)` when `f32`, else `v`. Hot loops take a `f32` flag and round with this
 * rather than with a rounder passed as a function value: V8 inlines it, while a passed-in
 * `Math.fround` or identity becomes a polymorphic call once both dtypes have run (several
 * times slower).
 */
export function fr(f32: boolean, v: number): number {
  return f32 ? Math.fround(v) : v;
}
