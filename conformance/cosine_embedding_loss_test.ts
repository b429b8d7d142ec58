import { fixtureTest } from "./_harness.ts";

fixtureTest("cosine_embedding_loss");
