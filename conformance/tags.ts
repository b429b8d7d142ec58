/**
 * The tags the exporter writes on fixture cases (`scripts/export_fixtures.py`), naming what a
 * case exercises. A case may have several tags, or none (plain random inputs). `--tags`
 * selects cases by tag, and `--by-tag` groups any implementation's results by tag.
 *
 * @module
 */

/** Every tag, with what it means. */
export const TAGS: Readonly<Record<string, string>> = {
  "ties": "inputs at a kink or a tie (max/min ties, |x| at 0, a hinge at its margin, equal " +
    "rows), where the gradient is a choice of subgradient",
  "clamped": "values at or past a clamp inside the loss: BCE's log at -100 for " +
    "probabilities 0 and 1, Gaussian NLL's var below eps",
  "non-finite": "nan or an infinity in an input tensor",
  "large": "a finite input or number option of magnitude 1e4 or more (logits of 1e4, delta " +
    "of 1e30, values near float32's largest)",
  "empty": "an input tensor with no elements",
  "0-d": "a floating-point argument with no dimensions",
  "broadcast": "inputs of different shapes that broadcast to one",
  "weight": "a weight or pos_weight tensor",
  "ignore-index": "targets equal to ignore_index, the default -100 or one given",
  "all-ignored": "every target ignored or weighted 0",
  "label-smoothing": "a non-zero label_smoothing",
  "k-dim": "class scores with dimensions after the class dimension, (N, C, d1, ...)",
  "unbatched": "a single sample without the batch dimension",
  "prob-target": "class probabilities as cross_entropy's target",
  "promotion": "an int64 or bool tensor where PyTorch takes floats, or float32 with float64",
  "tutorial": "one of the tutorial's five examples",
  "error": "PyTorch raises; the implementation must throw",
  "error:shape": "PyTorch raises: shapes, dimensions or lengths that do not fit",
  "error:dtype": "PyTorch raises: a dtype it does not accept there",
  "error:index": "PyTorch raises: a class index or blank out of range",
  "error:value": "PyTorch raises: input values outside the domain (probabilities outside " +
    "[0, 1], negative var)",
  "error:option": "PyTorch raises: an option value or combination it rejects (an unknown " +
    "reduction, label_smoothing above 1, a negative beta, p not 1 or 2, a target that " +
    "requires grad, ...)",
  "error:type": "PyTorch raises: an argument of the wrong type (a string or None where a " +
    "number goes, a number where a tensor goes, ...)",
  "avx2": "random numbers from PyTorch's AVX2 kernel (float32 randn of 16 or more elements)",
  "replay": "a draw that follows other draws from the same generator",
  "big-seed": "a seed of 2^32 or more",
  "wide-range": "randint over a range wider than 2^32, drawn from 64 bits",
};
