"""The README's role table, printed from the authorization table (``tests/authz/policy.py``)
that the matrix test checks every route against::

    python -m tests.authz.role_table           # print the markdown
    python -m tests.authz.role_table --write   # replace the table in README.md

``tests/authz/test_role_table.py`` fails when README.md shows another table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

START = "<!-- role-table:start (python -m tests.authz.role_table --write) -->"
END = "<!-- role-table:end -->"
README = Path(__file__).resolve().parents[2] / "README.md"
MARKS = {"A": "✓", "O": "own", "-": "—"}


def markdown() -> str:
    from django.utils import translation

    from crm_site.roles import ROLES

    from .policy import CAPABILITIES, ROLE_ORDER

    with translation.override("en"):
        labels = [str(ROLES[role]) for role in ROLE_ORDER]
    lines = [
        "| Area | Capability | " + " | ".join(labels) + " |",
        "|---|---|" + "---|" * len(labels),
    ]
    area = None
    for capability in CAPABILITIES.values():
        shown_area = capability.area if capability.area != area else ""
        area = capability.area
        marks = " | ".join(MARKS[capability.grant(role)] for role in ROLE_ORDER)
        lines.append(f"| {shown_area} | {capability.label} | {marks} |")
    lines += [
        "",
        "✓ at every hotel · *own*: at the hotels of the user's staff profile only (for tokens and "
        "notices: their own) — another hotel's object answers 404, naming another hotel in a request 400 · "
        "— refused (403). Integrator accounts use the API only: every page answers them 403.",
    ]
    return "\n".join(lines)


def readme_table(text: str) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def write() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    README.write_text(f"{text[:start]}\n{markdown()}\n{text[end:]}", encoding="utf-8")


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.test")
    import django

    django.setup()
    if "--write" in argv:
        write()
    else:
        print(markdown())


if __name__ == "__main__":
    main(sys.argv[1:])
