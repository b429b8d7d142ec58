import { fixtureTest } from "./_harness.ts";

fixtureTest("clamp_min");
