"""What every `drctl doctor` row reads: the stack, its validated settings, its files, and how a row says what it
could not check (an example site value) or could not verify (an endpoint or an account that cannot answer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from drctl.ops.checks import WARN, Check
from drctl.ops.failures import is_unavailable_api, one_line
from drctl.reading import STACK_FILE_LIMIT, load_yaml, read_text
from stacks.settings import StackSettings

# Route53's and IAM's APIs (control planes) live in us-east-1, whatever region a row is about: their clients are
# made for it, so that requests are signed for, and reported as, the region that really answers them.
GLOBAL_API_REGION = "us-east-1"


@dataclass(frozen=True)
class Context:
    stack: str
    settings: StackSettings
    program_dir: Path  # the Pulumi project: Pulumi.yaml and Pulumi.<stack>.yaml
    examples: frozenset[str]  # site keys (camelCase) that hold example values
    backend_env: str | None  # PULUMI_BACKEND_URL when the command started

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def stack_file(self) -> Path:
        return self.program_dir / f"Pulumi.{self.stack}.yaml"

    def stack_document(self) -> dict[str, Any]:
        """Pulumi.<stack>.yaml as YAML (already read and validated once by the settings loader)."""
        return _bounded(self.stack_file, "a Pulumi stack file (UTF-8 YAML)")

    def project_document(self) -> dict[str, Any]:
        return _bounded(self.program_dir / "Pulumi.yaml", "a Pulumi project file (UTF-8 YAML)")


def _bounded(path: Path, what: str) -> dict[str, Any]:
    """A stack or project file, read as every file drctl reads (drctl/reading.py: bounded size, depth, no aliases)."""
    document = load_yaml(read_text(path, str(path), what, STACK_FILE_LIMIT), str(path), "(unreadable)")
    return document if isinstance(document, dict) else {}


def not_checked(label: str, keys: list[str]) -> Check:
    """A row that depends on site values still holding the example: nothing real to check yet."""
    names = ", ".join(f"site.{key}" for key in keys)
    verb = "is an example value" if len(keys) == 1 else "are example values"
    return Check(label, WARN, f"not checked: {names} {verb}")


def answer(error: BaseException) -> str:
    """An endpoint's answer that proves nothing, in one short line (the HTML of a server error is left out)."""
    if isinstance(error, ResponseParserError):
        return "an answer that could not be read"
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if is_unavailable_api(error):
            return "not implemented by this endpoint"
        if int(status) >= 500:
            return f"a server error (HTTP {status})"
    return one_line(error)

