#!/usr/bin/env python3
"""Count, per class of issue 21, how many hostile inputs (tests/helpers/hostile.py) a checkout ends cleanly.

Clean is the issue's bar: exit status 2, exactly one line on standard error, no traceback, and that line about the
case's own key (tests/helpers/hostile.py `clean`). Every case runs as its own
`python -m drctl` process of the checkout under the same memory and CPU limits as the tests (setrlimit); a case still
running after --timeout seconds (an old checkout blocked on a read) counts as not clean. The cases are always this
checkout's; --tree names the code they run against:

    git archive da434cf | tar -x -C /tmp/base && .venv/bin/python scripts/count_hostile.py --tree /tmp/base
    .venv/bin/python scripts/count_hostile.py --tree .
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stacks.settings.values import escaped  # noqa: E402
from tests.helpers.hostile import CASES, clean, run_process  # noqa: E402

CLASSES = ("values", "buckets", "files", "records")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, required=True, help="the checkout whose drctl runs the cases")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before a case counts as hanging (default %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="print each case's verdict and first line")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT", help="only the cases whose name contains TEXT (repeatable)")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    verdicts: dict[str, list[bool]] = {klass: [] for klass in CLASSES}
    for case in CASES:
        if args.only and not any(text in case.name for text in args.only):
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as directory:
            status, stderr, expected = run_process(case, Path(directory), tree, timeout=args.timeout)
            ok = clean(status, stderr, expected)
        verdicts[case.klass].append(ok)
        if args.verbose:
            first = escaped((stderr.strip().splitlines() or [""])[-1][:160])  # old code's output may hold \r or escapes
            print(f"{'clean' if ok else 'NOT  '} [{status:>3}] {case.klass}: {case.name}: {first}", flush=True)
    print("| class | cases | ended cleanly (exit 2, one line naming the key) |")
    print("|---|---|---|")
    for klass in CLASSES:
        print(f"| {klass} | {len(verdicts[klass])} | {sum(verdicts[klass])} |")
    total = [v for vs in verdicts.values() for v in vs]
    print(f"| all | {len(total)} | {sum(total)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
