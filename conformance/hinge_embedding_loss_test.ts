import { fixtureTest } from "./_harness.ts";

fixtureTest("hinge_embedding_loss");
