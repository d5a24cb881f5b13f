"""The cryptosuite registry, keyed by the ``cryptosuite`` name a proof carries."""

from __future__ import annotations

from .base import Cryptosuite
from .ecdsa import EcdsaJcs2019, EcdsaRdfc2019
from .eddsa import EddsaJcs2022, EddsaRdfc2022

__all__ = ["CRYPTOSUITES", "register"]

#: Name → suite instance. Verification accepts exactly these names.
CRYPTOSUITES: dict[str, Cryptosuite] = {}


def register(suite: Cryptosuite) -> Cryptosuite:
    """Add ``suite`` under its name; a name can be registered only once."""
    if suite.name in CRYPTOSUITES:
        raise ValueError(f"cryptosuite {suite.name!r} is already registered")
    CRYPTOSUITES[suite.name] = suite
    return suite


for _suite in (EddsaRdfc2022(), EddsaJcs2022(), EcdsaRdfc2019(), EcdsaJcs2019()):
    register(_suite)
