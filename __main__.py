"""Pulumi entry point: `pulumi up --stack primary|dr` runs this file."""

from stacks.program import run

run()
