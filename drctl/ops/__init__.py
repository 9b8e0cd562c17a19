"""The runbook's procedures that are not `pulumi up`, on boto3: one module per procedure.

backups (Backup Verification), restore (Test restore, with data-integrity checks), preflight (Scenario 4
prerequisites), drill (timed DR drills) and report (their Markdown/PNG/JSON reports). aws and checks are
the shared plumbing: clients, error handling, the PASS/WARN/FAIL check rows and their table.
"""
