import { fixtureTest } from "./_harness.ts";

fixtureTest("ctc_loss");
