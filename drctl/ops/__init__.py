"""The runbook's procedures that are not `pulumi up`, on boto3: one module per procedure.

backups (Backup Verification), restore (Test restore, with data-integrity checks in integrity), preflight
(Scenario 4 prerequisites), drill (timed DR drills) and report (their Markdown/PNG/JSON reports). The
shared plumbing: aws (clients with bounded waits, how a failure is described), calls (which call each
thread is waiting on), progress (the live status line and retry notices on stderr), groups (rows that
fail alone, side by side), checks (PASS/WARN/FAIL/UNREACHABLE rows and their table), files (what the
commands write, mode 0600), figures (the runbook's figures and flag checks), waiting (bounded polls).
"""
