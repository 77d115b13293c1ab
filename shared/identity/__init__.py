"""Who is calling, in one place for every service: parsed, looked up, remembered, admitted."""

from shared.identity.access import (
    ACCESS,
    ADDRESS_BOOK,
    IDENTITY,
    PUBLIC,
    Identity,
    Lookup,
    admit,
    credential,
    declared_access,
    guard_routes,
    identify,
)
from shared.identity.caller import ANONYMOUS, PERMISSIONS, SERVICE, Caller, Kind

__all__ = [
    "ACCESS",
    "ADDRESS_BOOK",
    "ANONYMOUS",
    "IDENTITY",
    "PERMISSIONS",
    "PUBLIC",
    "SERVICE",
    "Caller",
    "Identity",
    "Kind",
    "Lookup",
    "admit",
    "credential",
    "declared_access",
    "guard_routes",
    "identify",
]
