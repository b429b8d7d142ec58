import { fixtureTest } from "./_harness.ts";

fixtureTest("multilabel_margin_loss");
