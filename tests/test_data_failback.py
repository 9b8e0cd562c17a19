"""Failback's last step: retiring the original writer once the failback instance has become the writer."""

from __future__ import annotations

import pytest

from tests.helpers.planning import only, plan


def test_retiring_the_original_writer_needs_the_promoted_failback_instance() -> None:
    from drctl.engine.plan import SettingsProblem

    with pytest.raises(SettingsProblem) as caught:
        plan("primary", "database.retireOriginal=true")
    assert str(caught.value) == (
        "aivo-dr:database.retireOriginal = true: true only once database.failbackPromoted is true: the original "
        "writer is retired after the failback instance has become the writer"
    )


def test_retiring_the_original_writer_forgets_it_and_keeps_the_failback_writer() -> None:
    from drctl.diffing import diff_plans

    promoted = plan("primary", "database.failbackPromoted=true")
    retired = plan("primary", "database.failbackPromoted=true", "database.retireOriginal=true")
    instances = {r.inputs["identifier"] for r in retired.by_type("aws:rds/instance:Instance")}
    assert instances == {"aivo-production-postgres-fb"}
    assert retired.outputs["databaseArn"] == promoted.outputs["databaseArn"] == \
        "arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres-fb"
    selection = only(retired, "aws:backup/selection:Selection", "primary-weekly-snapshots")
    assert selection.inputs["resources"] == ["arn:aws:rds:us-east-1:123456789012:db:aivo-production-postgres-fb"]
    diff = diff_plans(promoted, retired)
    deleted = [c for c in diff.changes if c.action == "delete" and c.data_store]
    assert [c.name for c in deleted] == ["primary-database-instance"]
    assert deleted[0].reasons == (
        "protected: pulumi up refuses to delete it until `pulumi state unprotect` is run",
        "retainOnDelete: Pulumi only forgets it; the resource stays in AWS",
    )
