/** `deno bench` of triplet_margin_with_distance_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("triplet_margin_with_distance_loss");
