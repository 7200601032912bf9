"""Phone number normalisation: Indian numbers to E.164 (``+91`` and ten digits).

Accepted spellings: ``98765 43210``, ``098765-43210``, ``919876543210``, ``+91 98765 43210``.
Mobile numbers start with 6–9; landlines (STD code + number, ten digits with the code)
are accepted too when written with a leading 0. Anything else is refused.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise(raw: str) -> str | None:
    """The E.164 form of ``raw``, or ``None`` if it is not a plausible Indian number."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+"):
        if not digits.startswith("+91"):
            return None
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
        if digits.isdigit() and digits[0] in "12345":  # landline with STD code
            return "+91" + digits
    if len(digits) != 10 or not digits.isdigit() or digits[0] not in "6789":
        return None
    return "+91" + digits
