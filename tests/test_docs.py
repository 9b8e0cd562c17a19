"""The tables in README.md and docs/ that restate code are generated from it (`make docs`) and current."""

from __future__ import annotations

from drctl import docgen


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
