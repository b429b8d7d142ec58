/** `deno bench` of poisson_nll_loss: its row in `bench/_ops.ts` on every backend and peer. */
import { registerOp } from "./_harness.ts";

await registerOp("poisson_nll_loss");
