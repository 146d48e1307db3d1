/**
 * How `dlq check` decides its exit code, for its --help text (README, "dlq check"). A module of its
 * own, so that the CLI shows it without loading the command (and yaml) at start-up.
 */
export const CHECK_HELP = `
Two phases:
  1. The whole answers file is validated before anything runs: YAML/JSON syntax, keys, paths,
     comparisons, known dlq commands, --only ids. The first problem found is one line on stderr,
     file:line:column and what is wrong; nothing on stdout, no JUnit file; exit 2.
  2. Every entry runs; stdout gets the report (table, --json or --junit), whatever the outcome.
     An entry is
       pass       every expectation holds
       fail       a wrong answer (JUnit <failure>)
       malformed  its command refused its input (exit 2) although expect has no $exit, or expect
                  names a path the output lacks (JUnit <error type="MalformedEntry">)
       error      dlq itself failed (exit 3; JUnit <error type="InternalError">)
An expected refusal is data, not a malformed entry: when expect mentions $exit (exit code) or
$stderr (the message, e.g. {contains: "must be in [0, 1]"}), the exit code is compared like any
value, and JSON paths apply only if the command printed JSON (else they fail).

Exit codes: 0 all entries pass; 1 some entry failed or is malformed (the report says which);
2 the file is invalid (phase 1, nothing ran); 3 an internal error in some entry.`;
