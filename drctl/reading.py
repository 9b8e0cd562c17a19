"""Files drctl reads, read so that no file can hang it, exhaust its memory or crash it.

A stack file, a drill record or a readiness document may be anything a path can name: binary, not UTF-8, a FIFO
that never ends, /dev/zero, gigabytes, nested thousands deep, or a YAML alias bomb (a few hundred bytes that
expand to billions of nodes). Each is refused with one line naming the flag, the file and what is allowed
(UsageError, exit 2), after reading at most `limit` bytes, without blocking on a FIFO, and before any recursion
deeper than MAX_DEPTH.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from drctl.errors import UsageError

MiB = 1024 * 1024
# Stack files and readiness documents are tens of kilobytes, drill records a few; ten times the largest seen is room.
STACK_FILE_LIMIT = 1 * MiB
RECORD_LIMIT = 4 * MiB
MAX_DEPTH = 64


def read_bytes(path: Path, key: str, what: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file; anything else (a FIFO, a device, a directory, a bigger file) refused."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise UsageError(key, str(path), f"{what}; cannot open it: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(key, str(path), f"{what}; a regular file, not {_kind(info.st_mode)}")
        if info.st_size > limit:
            raise UsageError(key, str(path), f"{what}; at most {limit // MiB} MiB, not {info.st_size} bytes")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # the file grew while being read
            raise UsageError(key, str(path), f"{what}; at most {limit // MiB} MiB (it kept growing past that)")
        return b"".join(chunks)
    except OSError as error:
        raise UsageError(key, str(path), f"{what}; cannot read it: {error.strerror or error}") from None
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def read_text(path: Path, key: str, what: str, limit: int) -> str:
    """The file as UTF-8 text: bounded (read_bytes), and refused when binary (a NUL byte) or not UTF-8."""
    data = read_bytes(path, key, what, limit)
    nul = data.find(b"\0")
    if nul >= 0:
        raise UsageError(key, str(path), f"{what}; UTF-8 text, not binary (a NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(key, str(path), f"{what}; UTF-8 text (byte {error.start} is not UTF-8)") from None


def depth_problem(value: Any, limit: int = MAX_DEPTH) -> int | None:
    """The depth past `limit` that a parsed value reaches (iteratively: no recursion to exhaust), or None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def _bracket_depth(text: str) -> int:
    """The deepest [ or { nesting of a JSON text, outside strings: checked before json.loads, which recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(path: Path, key: str, what: str, limit: int = RECORD_LIMIT) -> Any:
    """A JSON file, bounded in size and depth."""
    text = read_text(path, key, what, limit)
    deepest = _bracket_depth(text)
    if deepest > MAX_DEPTH:
        raise UsageError(key, str(path), f"{what}; nested at most {MAX_DEPTH} deep, not {deepest}")

    try:
        # NaN and Infinity (Python's json extension) parse as floats: the schema of each document refuses them by field.
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UsageError(key, str(path), f"{what}; valid JSON ({str(error).splitlines()[0]})") from None


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing nodes with no aliases (the bomb's lever; the Pulumi CLI's stack files need
    none) and no nesting deeper than MAX_DEPTH (PyYAML composes recursively)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, f"an alias (*{event.anchor}): aliases are not taken, write the "
                                              "value out", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def compose_yaml(text: str, key: str, name: str) -> yaml.Node | None:
    """The YAML text's node tree (BoundedLoader), or a UsageError naming the file and the first problem."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError) as error:
        raise UsageError(key, name, f"valid YAML without aliases, nested at most {MAX_DEPTH} deep ({_first_line(error)})") from None
    finally:
        loader.dispose()


def load_yaml(text: str, key: str, name: str) -> Any:
    """YAML text into Python values through BoundedLoader (yaml.safe_load's values, bounded)."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, RecursionError) as error:
        raise UsageError(key, name, f"valid YAML without aliases, nested at most {MAX_DEPTH} deep ({_first_line(error)})") from None
    finally:
        loader.dispose()


def _first_line(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deep"
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark
        where = f", line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        return f"{error.problem}{where}"
    return str(error).splitlines()[0]
