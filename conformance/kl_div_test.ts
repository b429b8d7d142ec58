import { fixtureTest } from "./_harness.ts";

fixtureTest("kl_div");
