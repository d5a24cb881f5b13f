"""Strict JSON parsing, defined in :mod:`identity.jsonutil` and re-exported here."""

from identity.jsonutil import *  # noqa: F403
from identity.jsonutil import __all__ as __all__
