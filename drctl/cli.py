"""drctl: the aivo-dr command-line tool. Every user error is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import NoReturn

import drctl.commands
from drctl import __version__
from drctl.errors import USAGE_EXIT, EngineError, UsageError
from drctl.output import visible


def command_modules() -> list[str]:
    """Every module under drctl/commands with a `register` function, sorted by its ORDER (then name)."""
    found = []
    for info in pkgutil.iter_modules(drctl.commands.__path__):
        module = importlib.import_module(f"drctl.commands.{info.name}")
        if hasattr(module, "register"):
            found.append((getattr(module, "ORDER", 100), info.name))
    return [name for _order, name in sorted(found)]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, None, message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="drctl", description="aivo-dr: disaster recovery for the AIVO platform, as code.")
    parser.add_argument("--version", action="version", version=f"drctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in command_modules():
        importlib.import_module(f"drctl.commands.{name}").register(subparsers)
    return parser


def _error(error: Exception) -> None:
    """The one error line, shown as typed: a value, a path or an AWS reason cannot break it or drive the terminal."""
    print(f"drctl: error: {visible(str(error))}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    calls = sys.modules.get("drctl.ops.calls")  # loaded only by the commands that call AWS
    if calls is not None:
        calls.new_run()  # each endpoint is waited on once per command run, not once per process
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except UsageError as error:
        _error(error)
        return USAGE_EXIT
    except EngineError as error:
        _error(error)
        return 1
    except KeyboardInterrupt:
        print("drctl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
