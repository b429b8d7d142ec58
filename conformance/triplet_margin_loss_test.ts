import { fixtureTest } from "./_harness.ts";

fixtureTest("triplet_margin_loss");
