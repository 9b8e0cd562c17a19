"""Files the ops commands write: atomically (a reader never sees half a file) and all with one mode, 0600.

0600 because drill reports and check results name production hosts, endpoints, identifiers and the
operator, and drills run on shared bastions; sharing a report is a deliberate copy. It is also the mode
drctl.output.write_files gives every file (`--json PATH` too), so every file drctl writes
has the same one. docs/operations.md says the same.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from drctl.errors import UsageError
from drctl.output import FILE_MODE, Output, write_files

__all__ = ["FILE_MODE", "Output", "writable_directory", "write_files"]


def writable_directory(flag: str, directory: Path) -> Path:
    """The directory, created if missing, once a file has really been written in it and removed (permission
    bits do not say it for root, nor for read-only or full file systems). A UsageError (exit 2) otherwise."""
    if str(directory) == "-":
        raise UsageError(flag, "-", "a directory (this flag does not write to standard output)")
    if directory.exists() and not directory.is_dir():
        raise UsageError(flag, str(directory), "a directory (created if missing)")
    if not directory.exists() and not directory.parent.is_dir():
        raise UsageError(flag, str(directory), "a directory in an existing directory")
    try:
        directory.mkdir(exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=directory, prefix=".drctl-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise UsageError(flag, str(directory), f"a directory drctl can write to ({error.strerror or error})") from None
    return directory
