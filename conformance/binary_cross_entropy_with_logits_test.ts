import { fixtureTest } from "./_harness.ts";

fixtureTest("binary_cross_entropy_with_logits");
