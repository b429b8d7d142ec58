/** `deno bench` of cross_entropy: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("cross_entropy");
