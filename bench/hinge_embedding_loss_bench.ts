/** `deno bench` of hinge_embedding_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("hinge_embedding_loss");
