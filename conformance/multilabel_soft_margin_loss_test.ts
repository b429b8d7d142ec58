import { fixtureTest } from "./_harness.ts";

fixtureTest("multilabel_soft_margin_loss");
