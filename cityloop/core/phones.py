"""Phone numbers as staff rosters write them: a mainland mobile (13812345678, +86 138 1234 5678) or a
landline with its area code (0571-87654321)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def normalise_phone(raw: str) -> str | None:
    """The number in one form (mobile: 11 digits; landline: ``0571-87654321``), None if it is none."""
    text = re.sub(r"[\s()（）]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    text = text.replace("—", "-").replace("－", "-")
    if _MOBILE.match(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.match(text):
        return text
    return None


def check_phone(raw: str, field: str = "phone") -> str:
    """The normalised number, or a field error in the user's language."""
    found = normalise_phone(raw)
    if found is None:
        raise ValidationError(
            {
                field: _("%(phone)s is not a phone number (a mobile such as 13812345678, or 0571-87654321)")
                % {"phone": raw}
            }
        )
    return found
