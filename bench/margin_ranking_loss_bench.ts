/** `deno bench` of margin_ranking_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("margin_ranking_loss");
