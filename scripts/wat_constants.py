"""Vector constants of the generated kernels as mutable globals, read once per call.

V8's optimizing compiler sees `(local.set $k (f32x4.splat (f32.const 0.5)))` (or a
`v128.const`) as a constant and, rather than keep it in a register through a loop, builds it
again at every use inside the loop: two or three instructions each time (a move of the bits to
a general register, a move to a vector register, a broadcast). A kernel with a dozen
constants, such as the float32 exp, spends a third of its instructions on that. A mutable
global is not a constant to the compiler: the kernel reads it once, before the loop, and the
value stays in a register (or in a stack slot when registers run out, one load at a use).
`globalize` rewrites a kernel's text that way; the values do not change, so neither do the
results. A zero stays a constant: the compiler makes it in one instruction.
"""

import re

LANES = {"f32x4": 4, "i32x4": 4, "f64x2": 2, "i64x2": 2}
CONSTANT = re.compile(
    r"\(local\.set \$(\w+) (\((f32x4|i32x4|f64x2|i64x2)\.splat \((?:f32|i32|f64|i64)\.const ([^()\s]+)\)\)"
    r"|\(v128\.const (f32x4|i32x4|f64x2|i64x2) ([^()]+?)\))\)")


def number(text):
    """The value of a lane written in WebAssembly text (decimal, hex integer, nan, inf)."""
    try:
        return int(text, 0)
    except ValueError:
        return float(text)


def globalize(text, prefix):
    """`text` with each non-zero vector constant that is set into a local read from a mutable
    global instead, and the global declarations (`(global $<prefix><n> (mut v128) ...)`, one per
    value) to put at module level."""
    names = {}

    def replace(m):
        local, shape = m.group(1), m.group(3) or m.group(5)
        lanes = [m.group(4)] * LANES[shape] if m.group(3) else m.group(6).split()
        if all(number(v) == 0 for v in lanes):
            return m.group(0)
        value = f"(v128.const {shape} {' '.join(lanes)})"
        names.setdefault(value, f"${prefix}{len(names)}")
        return f"(local.set ${local} (global.get {names[value]}))"

    out = CONSTANT.sub(replace, text)
    decls = "".join(f"  (global {name} (mut v128) {value})\n" for value, name in names.items())
    return out, decls


MEMORY_IMPORT = '(import "env" "memory" (memory 1 16385 shared))\n'


def globalize_module(text, prefix):
    """`globalize` over a whole module that imports the kernel arena's memory, its globals
    declared after that import."""
    out, constants = globalize(text, prefix)
    assert MEMORY_IMPORT in out, "the module does not import the arena's memory"
    return out.replace(MEMORY_IMPORT, MEMORY_IMPORT + constants, 1)
