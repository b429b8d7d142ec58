import { fixtureTest } from "./_harness.ts";

fixtureTest("smooth_l1_loss");
