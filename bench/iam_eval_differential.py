"""Differential run: policies/iam_eval.py against @cloud-copilot/iam-simulate, on the same table of cases.

    .venv/bin/python bench/iam_eval_differential.py [--simulator-dir DIR]

The table is tests/helpers/iam_cases.py (every condition operator family, IfExists, Null, set operators,
policy variables, Deny over Allow) plus the service-role requests policies/service_roles.py evaluates.
The simulator is nobody's here: `npm install @cloud-copilot/iam-simulate@SIMULATOR_VERSION` into a
throw-away folder under the system temp folder (or --simulator-dir, reused when already installed), run
by node (20+) through bench/iam_simulate_runner.mjs. Prints one line per disagreement or simulator
refusal, then a summary; exit status 1 when any case disagrees, 2 when node or npm is missing. A refusal (the
simulator's own validation rejecting an action/resource pair) is printed and counted, not compared.

KMS authorizes through the key policy first: for kms: requests the simulator is given the default key policy
(the account's root may use the key, which lets IAM policies grant it), as every key of the stacks has.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policies.iam_eval import Request, decide  # noqa: E402
from tests.helpers.iam_cases import CASES, Case  # noqa: E402

SIMULATOR = "@cloud-copilot/iam-simulate"
SIMULATOR_VERSION = "0.1.173"
RUNNER = Path(__file__).with_name("iam_simulate_runner.mjs")
# Cases where the simulator departs from the IAM User Guide, with the guide's words: reported, not failed.
KNOWN = {
    "variables literal under version 2008": (
        'IAM User Guide, "Policy variables": without Version 2012-10-17 "variables like ${aws:username} are '
        'treated as literal strings"; iam-simulate substitutes them under any version'
    ),
}


def install(folder: Path) -> Path:
    """The simulator installed in `folder` (npm, from the public registry), the runner copied beside it."""
    package = folder / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != SIMULATOR_VERSION:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "iam-eval-differential", "private": true, "type": "module"}')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", f"{SIMULATOR}@{SIMULATOR_VERSION}"],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    runner = folder / RUNNER.name
    shutil.copyfile(RUNNER, runner)
    return runner


def service_role_cases() -> list[Case]:
    """Every request policies/service_roles.py decides on both stacks' offline plans, with the decision it reaches
    (the table entry is our own decision: the simulator is the check)."""
    from pulumi_policy import StackValidationArgs

    from drctl.checking import stack_resources
    from drctl.engine import run_plan
    from policies import service_roles
    from policies._common import of_type

    cases: list[Case] = []
    for stack in ("primary", "dr"):
        plan = run_plan(stack, [])
        args = StackValidationArgs(stack_resources(plan, plan.peer_outputs), {})
        for service in service_roles.services():
            for user in of_type(args, service.used_by):
                role = service_roles.handed(args, user, service)
                if role is None or role.covered_by_managed:
                    continue
                for _need, request in role.requests:
                    name = f"{stack}: {role.label}: {request.action} on {request.resource}"
                    cases.append(
                        Case(
                            name,
                            [],
                            Request(request.action, request.resource, dict(request.context)),
                            decide(role.documents, request),
                            extra_documents=role.documents,
                        )
                    )
    return cases


def documents_of(case: Case) -> list[dict]:
    """A case's documents (a service-role case carries the role's documents only)."""
    return case.documents if case.statements else case.extra_documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulator-dir", type=Path, default=Path(tempfile.gettempdir()) / "aivo-dr-iam-simulate")
    args = parser.parse_args()
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            print(f"{tool} is not on PATH: the differential run needs node 20+ and npm", file=sys.stderr)
            return 2
    runner = install(args.simulator_dir)
    table = [*CASES, *service_role_cases()]
    cases = [
        {
            "name": c.name,
            "documents": documents_of(c),
            "action": c.request.action,
            "resource": c.request.resource,
            "context": dict(c.request.context),
        }
        for c in table
    ]
    done = subprocess.run(
        ["node", str(runner)], input=json.dumps(cases), capture_output=True, text=True, check=True, cwd=args.simulator_dir
    )
    theirs = {r["name"]: r for r in json.loads(done.stdout)}
    disagreements = refused = known = 0
    for case in table:
        ours = decide(documents_of(case), case.request)
        result = theirs[case.name]
        if "error" in result:
            refused += 1
            print(f"REFUSED  {case.name}: simulator rejected the input: {result['error'][:200]}")
        elif ours == case.expected and case.name in KNOWN and result["decision"] != ours:
            known += 1
            print(f"KNOWN    {case.name}: iam_eval={ours} iam-simulate={result['decision']}: {KNOWN[case.name]}")
        elif result["decision"] != ours or ours != case.expected:
            disagreements += 1
            print(f"DIFFERS  {case.name}: iam_eval={ours} iam-simulate={result['decision']} table={case.expected}")
    agreed = len(table) - disagreements - refused - known
    print(
        f"{len(table)} cases ({len(CASES)} from the decision table, {len(table) - len(CASES)} service-role requests of the "
        f"plans): {agreed} agree, {known} known departures, {disagreements} disagree, {refused} refused by the simulator "
        f"({SIMULATOR}@{SIMULATOR_VERSION})"
    )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
