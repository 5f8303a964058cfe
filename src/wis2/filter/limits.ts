/**
 * Bounds on the work one filter may cause. A filter is user input that runs on every
 * notification, so validation refuses anything beyond these and the evaluator enforces them
 * again (a rule that would exceed them is skipped, the same as any rule that raises).
 */
export const FILTER_LIMITS = Object.freeze({
  /** Rules in one filter. */
  maxRules: 100,
  /** Nesting of all/any/not (the rule's `match` is depth 1). */
  maxDepth: 16,
  /** Condition objects in the whole filter. */
  maxConditions: 500,
  /** Condition visits in one evaluation (all rules together). */
  maxEvaluationSteps: 20_000,
  /** Items in an `in` / `not_in` list. */
  maxListItems: 1000,
  /** Length of any string operand (regex and glob patterns included). */
  maxStringLength: 1024,
  /** Length of a `regex` pattern, in characters. */
  maxRegexLength: 512,
  /** Instructions of a compiled regex (counted repetition is expanded). */
  maxRegexProgram: 4000,
  /** Largest `{n,m}` count in a regex. */
  maxRegexRepeat: 1000,
  /** Longest value a `regex` or `pattern` is run on; a longer value makes the rule raise. */
  maxSubjectLength: 16_384,
});
