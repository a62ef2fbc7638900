import type { BuiltinRegistry } from '@ajet/core';

/** Bare names usable in YAML (`judge_protocol: math_answer`), each mapped to the package export that implements it. */
export const builtins: BuiltinRegistry = {};
