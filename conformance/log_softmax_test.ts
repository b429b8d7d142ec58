import { fixtureTest } from "./_harness.ts";

fixtureTest("log_softmax");
