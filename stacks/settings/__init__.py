"""Stack settings: read once, validated into typed objects; runbook figures are the defaults.

One module per section, named for what it configures (database, storage, velero, ...).
"""

from .errors import SettingsError
from .load import load_settings, validate
from .stack import StackSettings

__all__ = ["SettingsError", "StackSettings", "load_settings", "validate"]
