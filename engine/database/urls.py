"""Connection URLs: parse, validate and mask them so no password is ever shown."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from engine.errors import ConfigError

_SCHEMES = ("postgresql", "postgres")


def check_url(url: str) -> str:
    """Return ``url`` if it looks like a PostgreSQL URL, else raise ``ConfigError``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise ConfigError(f"invalid DATABASE_URL {mask_url(url)!r}: {exc}; expected postgresql://user:password@host:5432/dbname") from None
    if parts.scheme not in _SCHEMES:
        raise ConfigError(
            f"invalid DATABASE_URL {mask_url(url)!r}: scheme must be postgresql://; "
            "expected postgresql://user:password@host:5432/dbname"
        )
    return url.strip()


def mask_url(url: str) -> str:
    """Replace the password in ``url`` (userinfo or ``password=`` query) with ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo:
                user = userinfo.split(":", 1)[0]
                netloc = f"{user}:***@{host}"
        query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


def password_of(url: str) -> str | None:
    """The password in ``url``, if any: used to scrub it from driver messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    pw = parts.password
    if pw:
        return pw
    m = re.search(r"(?i)password=([^&]*)", parts.query)
    return m.group(1) if m else None


def scrub(text: str, *secrets: str | None) -> str:
    """Remove every given secret from ``text`` (driver errors may echo a DSN)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
