import { fixtureTest } from "./_harness.ts";

fixtureTest("soft_margin_loss");
