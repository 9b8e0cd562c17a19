"""Entry point of the policy pack: builds the PolicyPack, which starts the analyzer and blocks. Nothing else.

`pulumi preview --policy-pack policies` runs this file; the policies live in importable modules listed
by catalog.py, which `drctl check` imports too.
"""

import importlib
import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

_here = Path(__file__).resolve().parent
sys.path.insert(0, str(_here.parent))
catalog = importlib.import_module(f"{_here.name}.catalog")

PolicyPack(
    name=catalog.PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=catalog.POLICIES,
)
