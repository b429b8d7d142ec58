import { fixtureTest } from "./_harness.ts";

fixtureTest("poisson_nll_loss");
