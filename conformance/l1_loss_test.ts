import { fixtureTest } from "./_harness.ts";

fixtureTest("l1_loss");
