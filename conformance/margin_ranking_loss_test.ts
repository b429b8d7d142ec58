import { fixtureTest } from "./_harness.ts";

fixtureTest("margin_ranking_loss");
