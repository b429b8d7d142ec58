/** `deno bench` of log_softmax: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("log_softmax");
