"""Member numbers: ``M`` + 8 random digits + a Luhn check digit (e.g. ``M123456782``).

Random rather than sequential, so numbers cannot be enumerated; the check digit lets
search and forms reject a mistyped number without touching the database.
"""

from __future__ import annotations

import re
import secrets

PREFIX = "M"
PAYLOAD_DIGITS = 8
_FORMAT = re.compile(r"^M[0-9]{9}$")
_SEPARATORS = re.compile(r"[\s\-.]")


def luhn_check_digit(payload: str) -> str:
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:  # the check digit will sit to the right, so these are doubled
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def normalise(text: str) -> str:
    """What an agent typed, as a member number would be stored (upper case, no spaces;
    the letter added when only the 9 digits were typed)."""
    value = _SEPARATORS.sub("", (text or "").strip()).upper()
    if value.isdigit() and len(value) == PAYLOAD_DIGITS + 1:
        value = PREFIX + value
    return value


def is_member_number(text: str) -> bool:
    value = normalise(text)
    return bool(_FORMAT.match(value)) and luhn_check_digit(value[1:-1]) == value[-1]


def new_member_number() -> str:
    payload = f"{secrets.randbelow(10**PAYLOAD_DIGITS):0{PAYLOAD_DIGITS}d}"
    return f"{PREFIX}{payload}{luhn_check_digit(payload)}"
