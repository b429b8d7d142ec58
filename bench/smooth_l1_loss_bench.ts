/** `deno bench` of smooth_l1_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("smooth_l1_loss");
