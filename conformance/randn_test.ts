import { fixtureTest } from "./_harness.ts";

fixtureTest("randn");
