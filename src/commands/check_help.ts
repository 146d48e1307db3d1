/**
 * How `dlq check` decides its exit code, for its --help text (README, "dlq check"). A module of its
 * own, so that the CLI shows it without loading the command (and yaml) at start-up.
 */
export const CHECK_HELP = `
Two modes:
  dlq check FILE                  self-check: FILE's entries run and their expect is compared.
                                  FILE is code and oracle at once: not a grading boundary.
  dlq check KEY --answers FILE    grading: KEY (the instructor's) owns ids, commands, models,
                                  paths (answer:) and tolerances; FILE holds only {id: value}.
Two phases:
  1. The whole file (and the student's, with --answers) is validated before anything runs:
     YAML/JSON syntax, keys, paths, comparisons, known dlq commands, no option that writes a
     file, --only ids. The first problem found is one line on stderr, file:line:column and what
     is wrong; nothing on stdout, no JUnit file; exit 2.
  2. Every entry runs, in a worker thread with a budget (--timeout, --max-memory), reading files
     only under the root (--root; relative paths, regular files, nothing written); stdout gets
     the report (table, --json or --junit), whatever the outcome. An entry is
       pass       every expectation holds (the student's answer is right)
       fail       a wrong answer, or none (JUnit <failure>)
       malformed  its command refused its input (exit 2) although expect has no $exit, or a path
                  the output lacks (JUnit <error type="MalformedEntry">)
       error      stopped (timeout, memory) or dlq itself failed (JUnit <error>)
An expected refusal is data, not a malformed entry: when expect mentions $exit (exit code) or
$stderr (the message, e.g. {contains: "must be in [0, 1]"}), the exit code is compared like any
value, and JSON paths apply only if the command printed JSON (else they fail).

Exit codes: 0 all entries pass; 1 some entry failed, is malformed or was stopped (the report says
which); 2 a file is invalid (phase 1, nothing ran); 3 an internal error of dlq check itself.`;
