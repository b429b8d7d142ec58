/** `deno bench` of multilabel_margin_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("multilabel_margin_loss");
