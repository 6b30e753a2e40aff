"""Company domains in one normal form, so ``https://www.Acme.com/`` and ``acme.com`` are one domain."""

import re

from django.core.exceptions import ValidationError

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+[a-z][a-z0-9-]{{0,62}}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_domain(value: str) -> str:
    """Lower-case host without scheme, credentials, port, path, ``www.`` or trailing dot.

    Raises ``ValidationError`` when what is left is not a domain name.
    """
    host = (value or "").strip().lower()
    if not host:
        return ""
    host = _SCHEME.sub("", host)
    host = re.split(r"[/?#]", host, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError("Enter a domain name such as acme.com.", code="invalid_domain") from None
    if len(host) > 253 or not _DOMAIN.match(host):
        raise ValidationError("Enter a domain name such as acme.com.", code="invalid_domain")
    return host
