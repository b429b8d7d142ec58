import { fixtureTest } from "./_harness.ts";

fixtureTest("gaussian_nll_loss");
