import { fixtureTest } from "./_harness.ts";

fixtureTest("huber_loss");
