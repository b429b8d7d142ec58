import { fixtureTest } from "./_harness.ts";

fixtureTest("nll_loss");
