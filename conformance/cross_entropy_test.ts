import { fixtureTest } from "./_harness.ts";

fixtureTest("cross_entropy");
