"""The tables in README.md and docs/ that restate code are generated from it (`make docs`) and current."""

from __future__ import annotations

import re

from drctl import docgen
from stacks.settings.stack import StackSettings


def test_every_generated_table_is_current() -> None:
    assert docgen.main(["--check"]) == 0, "a generated table is stale: run `make docs`"


def test_a_stale_table_is_named_and_rewritten(tmp_path, monkeypatch) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- generated: policies -->\nold\n<!-- end: policies -->\nafter\n")
    (tmp_path / "docs").mkdir()
    monkeypatch.setattr(docgen, "REPOSITORY", tmp_path)
    assert docgen.main(["--check"]) == 1
    assert docgen.main([]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n<!-- generated: policies -->\n| policy | level | subject | what it requires |")
    assert text.endswith("<!-- end: policies -->\nafter\n") and "| `rds-storage-encrypted` | mandatory | database |" in text
    assert docgen.main(["--check"]) == 0


def test_every_allowed_cell_reads_as_english() -> None:
    """No Python error text from probing a validator with a value of the wrong type, no row split by a `|` of a
    pattern, no fragment ending in a colon; lists and maps say what each item is."""
    rows = {key: allowed for key, _default, allowed in docgen.settings_rows(StackSettings)}
    for key, allowed in rows.items():
        assert allowed and not allowed.endswith(":"), key
        assert not any(word in allowed for word in ("object is not", "has no attribute", "NoneType", "Error")), (key, allowed)
    table = docgen.settings_table().splitlines()
    assert all(len(re.split(r"(?<!\\)\|", line)) == 5 for line in table), "a row has more than three cells"
    assert rows["site.ingress"] == ("an object: each key an AWS region code such as us-east-1 or us-west-2, each value a DNS hostname, "
                                    "e.g. k8s-aivo-ingress-0123456789.us-east-1.elb.amazonaws.com")
    assert rows["cdn.aliases"] == "a list of DNS names, each listed once"
    assert rows["paging.urgency"] == "an object: each key a string, each value one of high, low"
