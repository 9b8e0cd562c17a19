"""The names the testing part gives what it declares (stacks/testing.py), in a module of their own: the deploy
runner's policy (stacks/deploy_runner.py) and `drctl schedule` name them too, without importing the part."""

from __future__ import annotations

RESTORE_PLAN = "aivo_dr_weekly_restore_test"
RESTORE_SELECTION = "aivo_dr_database"
RESTORE_ROLE = "aivo-dr-restore-testing"
VALIDATOR = "aivo-dr-restore-validator"
FIS_ROLE = "aivo-dr-fault-injection"
