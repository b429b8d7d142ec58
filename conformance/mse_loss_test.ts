import { fixtureTest } from "./_harness.ts";

fixtureTest("mse_loss");
