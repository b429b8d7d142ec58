import { fixtureTest } from "./_harness.ts";

fixtureTest("multi_margin_loss");
