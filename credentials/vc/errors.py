"""The core's error type and codes, for the credential code.

They are defined in :mod:`identity.errors` (the lowest layer, so that keys and
DIDs can raise them without importing ``credentials``) and re-exported here.
"""

from identity.errors import *  # noqa: F403
from identity.errors import __all__ as __all__
