"""Stack files read as the Pulumi CLI reads them: one line for what readers disagree on, a map section listed whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.engine.project import Program, stack_config
from drctl.errors import UsageError
from stacks.compute import tier_slug as program_tier_slug
from stacks.settings import validate
from stacks.settings.tiers import tier_slug
from tests.helpers.cli import ROOT, drctl
from tests.helpers.settings import raw

SITE = (ROOT / "Pulumi.dr.yaml").read_text().split("  aivo-dr:site:\n", 1)[1].split("  # ---- END", 1)[0]


def program(tmp_path: Path, stack_text: str) -> Program:
    (tmp_path / "Pulumi.yaml").write_text("name: aivo-dr\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dr.yaml").write_text(stack_text)
    return Program(directory=tmp_path, name="aivo-dr", main=tmp_path / "__main__.py", defaults={})


def settings_of(tmp_path: Path, body: str) -> dict[str, str]:
    """The aivo-dr settings the program would get from a dr stack file with `body` under config:."""
    text = "config:\n  aivo-dr:region: us-west-2\n  aivo-dr:site:\n" + SITE + body
    values = stack_config(program(tmp_path, text), "dr", []).values
    return {k.split(":", 1)[1]: v for k, v in values.items() if k.startswith("aivo-dr:")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config:\n  aivo-dr:failover: false\n  aivo-dr:failover: true\n",
         "aivo-dr:failover: given once in Pulumi.dr.yaml: on lines 2 and 3 (the Pulumi CLI refuses a duplicate key)"),
        ("config:\n  aivo-dr:database:\n    port: 5432\n    port: 6432\n",
         "aivo-dr:database.port: given once in Pulumi.dr.yaml: on lines 3 and 4 (the Pulumi CLI refuses a duplicate key)"),
        ("config:\n  aivo-dr:failover: yes\n",
         'aivo-dr:failover = yes: true or false, or the text quoted ("yes"): YAML 1.1 (the Pulumi CLI) reads it as a boolean '
         "and YAML 1.2 as text (Pulumi.dr.yaml line 2)"),
        ("config:\n  aivo-dr:velero:\n    fsBackup: on\n",
         'aivo-dr:velero.fsBackup = on: true or false, or the text quoted ("on"): YAML 1.1 (the Pulumi CLI) reads it as a '
         "boolean and YAML 1.2 as text (Pulumi.dr.yaml line 3)"),
        ("config:\n  aivo-dr:database:\n    port: 05432\n",
         "aivo-dr:database.port = 05432: a decimal number without leading zeros, or the text quoted: YAML 1.1 reads "
         "0-prefixed numbers as octal (Pulumi.dr.yaml line 3)"),
        ("- config\n", 'Pulumi.dr.yaml = ["config"]: a YAML mapping (a Pulumi stack file: config: and its settings)'),
        ("config:\n  - aivo-dr:failover\n", 'Pulumi.dr.yaml: config = ["aivo-dr:failover"]: a mapping of settings (key: value)'),
        ("config: failover\n", "Pulumi.dr.yaml: config = failover: a mapping of settings (key: value)"),
    ],
)
def test_a_stack_file_readers_disagree_on_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        stack_config(program(tmp_path, text), "dr", [])
    assert str(caught.value) == message


def test_a_stack_file_error_through_drctl_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program(tmp_path, "config:\n  aivo-dr:failover: 1\n  aivo-dr:failover: yes\n")
    result = drctl(capsys, "plan", "--stack", "dr", "--program", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr == ("drctl: error: aivo-dr:failover: given once in Pulumi.dr.yaml: on lines 2 and 3 "
                             "(the Pulumi CLI refuses a duplicate key)\n")


def test_an_unquoted_timestamp_is_the_text_written_as_the_pulumi_cli_passes_it(tmp_path: Path) -> None:
    """The README's own PITR example, unquoted: PyYAML would make it a datetime (and crash); Go YAML keeps the text."""
    values = settings_of(tmp_path, "  aivo-dr:database:\n    restore:\n      source: aivo-production-postgres-dr\n"
                                   "      identifier: aivo-pitr-1\n      time: 2024-01-15T10:30:00Z\n")
    assert values["database"] == ('{"restore":{"source":"aivo-production-postgres-dr","identifier":"aivo-pitr-1",'
                                  '"time":"2024-01-15T10:30:00Z"}}')
    assert validate(values, "dr").database.restore is not None
    assert validate(values, "dr").database.restore.time == "2024-01-15T10:30:00Z"  # type: ignore[union-attr]


def test_agreed_forms_are_read_as_pulumi_reads_them(tmp_path: Path) -> None:
    values = settings_of(tmp_path, "  aivo-dr:failover: true\n  aivo-dr:environment: 'yes'\n  aivo-dr:runner:\n"
                                   "    timeoutMinutes: 1_000\n    branch: !!str on\n")
    assert (values["failover"], values["environment"]) == ("true", "yes")
    assert values["runner"] == '{"timeoutMinutes":1000,"branch":"on"}'


def test_a_whole_tier_table_with_null_removes_the_tiers_it_says(tmp_path: Path) -> None:
    values = settings_of(tmp_path, "  aivo-dr:tiers:\n    Critical: {rto: 30 min, rpo: 5 min, services: [auth-svc]}\n"
                                   "    High: null\n    Medium: ~\n    Low: {rto: 4 hours, rpo: 4 hours, services: [engagement-svc]}\n")
    assert list(validate(values, "dr").tiers) == ["Critical", "Low"]


def test_bool_settings_take_only_true_or_false() -> None:
    with pytest.raises(Exception) as caught:
        validate({**raw("dr"), "failover": "1"}, "dr")
    assert str(caught.value) == 'aivo-dr:failover = "1": true or false'


@pytest.mark.parametrize("name", ["Critical", "High!", "Batch jobs", "--x--", "!!!", "a" * 60, "Tier_2.b"])
def test_the_settings_tier_slug_is_the_programs(name: str) -> None:
    assert tier_slug(name) == program_tier_slug(name)
