/** `deno bench` of l1_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("l1_loss");
