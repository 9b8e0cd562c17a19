"""The aivo-dr CrossGuard policy pack. Importing this package never starts the analyzer (see __main__.py)."""
