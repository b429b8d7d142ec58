import { fixtureTest } from "./_harness.ts";

fixtureTest("pairwise_distance");
