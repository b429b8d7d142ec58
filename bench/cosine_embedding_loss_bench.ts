/** `deno bench` of cosine_embedding_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("cosine_embedding_loss");
