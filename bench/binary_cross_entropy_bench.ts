/** `deno bench` of binary_cross_entropy: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("binary_cross_entropy");
