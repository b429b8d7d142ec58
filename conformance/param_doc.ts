/**
 * One parameter of an op as the reference for adapter authors lists it; the op table
 * (`ops.ts`) and the random ops' calls (`_random.ts`) both describe their parameters with it.
 *
 * @module
 */

import type { FixtureDType } from "./fixture.ts";

/** One parameter of an op, as the reference for adapter authors lists it. */
export interface ParamDoc {
  /** torch's name (`input`, `target`, `reduction`, ...); `*size` for the random ops' dims. */
  name: string;
  /** What it takes: `tensor`, `tensor or number`, `number`, `int`, `bool`, `string`, ... */
  type: string;
  /** For tensors, the dtypes the fixtures pass where PyTorch computes (errors aside). */
  dtypes?: readonly FixtureDType[];
  /** torch's default, as Python writes it (`"mean"`, `1.0`, `None`); absent when required. */
  default?: string;
  /** The allowed values or range, where limited. */
  values?: string;
  /** Shapes or meaning, in a few words. */
  note?: string;
}
