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


def command_modules(only: str | None = None) -> list[str]:
    """Every module under drctl/commands with a `register` function, sorted by its ORDER (then name); with `only`,
    just the module of that command (a command is its module's name, `-` for `_`), so running one command
    imports only what it needs."""
    names = [info.name for info in pkgutil.iter_modules(drctl.commands.__path__)]
    if only is not None:
        names = [name for name in names if name.replace("_", "-") == only]
    found = []
    for name in names:
        module = importlib.import_module(f"drctl.commands.{name}")
        if hasattr(module, "register"):
            found.append((getattr(module, "ORDER", 100), name))
    return [name for _order, name in sorted(found)]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, None, message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="drctl", description="aivo-dr: disaster recovery for the AIVO platform, as code.")
    parser.add_argument("--version", action="version", version=f"drctl {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in command_modules(only):
        importlib.import_module(f"drctl.commands.{name}").register(subparsers)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command a command line names, when it starts with one (else the whole parser answers: --help, errors)."""
    return argv[0] if argv and not argv[0].startswith("-") and command_modules(argv[0]) else None


def _error(error: Exception) -> None:
    """The one error line, shown as typed: a value, a path or an AWS reason cannot break it or drive the terminal."""
    print(f"drctl: error: {visible(str(error))}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    calls = sys.modules.get("drctl.ops.calls")  # loaded only by the commands that call AWS
    if calls is not None:
        calls.new_run()  # each endpoint is waited on once per command run, not once per process
    try:
        args = build_parser(_command(argv)).parse_args(argv)
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
