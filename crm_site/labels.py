"""Labels of data staff see (properties, preference vocabulary, tiers, rewards), one per
language: the English value and a Chinese one beside it (``name_zh`` / ``label_zh``,
edited in the admin).  The active language picks; an empty Chinese label falls back to
the English one, so a new reward is never shown blank."""

from __future__ import annotations

from django.utils import translation


def chinese_active() -> bool:
    return (translation.get_language() or "").lower().startswith("zh")


def in_language(english: str, chinese: str) -> str:
    """``chinese`` under the Chinese interface when it is filled in, else ``english``."""
    if chinese and chinese_active():
        return chinese
    return english
