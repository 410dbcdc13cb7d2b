"""How other apps add their part to the guest 360 view, search results and arrivals.

The guests app owns the single customer view but knows nothing of loyalty, complaints
or segments.  Each app registers a :class:`GuestSection` in its ``AppConfig.ready``:

* ``profile(guest, viewer) -> dict``: plain JSON-serialisable data for the 360 page and
  ``/api/v1/guests/{id}/profile/`` (same function, same query count: a constant number
  of queries, whatever the guest's history);
* ``template``: the partial that renders that dict on the 360 page (context: ``data``,
  ``guest``, ``perms``);
* ``badges(guest_ids) -> {guest_id: [Badge]}``: short labels for search results and the
  arrivals list, one query for the whole page of guests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Badge:
    label: str
    kind: str = "info"  # info | success | warning | danger | tier | segment


@dataclass(frozen=True)
class GuestSection:
    key: str
    order: int
    profile: Callable | None = None
    template: str | None = None
    badges: Callable[[list[int]], dict[int, list[Badge]]] | None = None
    permission: str | None = None  # viewer needs it to see the section at all
    extra: dict = field(default_factory=dict)


_SECTIONS: dict[str, GuestSection] = {}


def register_guest_section(section: GuestSection) -> None:
    _SECTIONS[section.key] = section


def guest_sections(viewer=None) -> list[GuestSection]:
    sections = sorted(_SECTIONS.values(), key=lambda s: s.order)
    if viewer is None:
        return sections
    return [s for s in sections if s.permission is None or viewer.has_perm(s.permission)]


def badges_for(guest_ids: Iterable[int], viewer=None) -> dict[int, list[Badge]]:
    ids = list(guest_ids)
    result: dict[int, list[Badge]] = {gid: [] for gid in ids}
    if not ids:
        return result
    for section in guest_sections(viewer):
        if section.badges is None:
            continue
        for gid, badges in section.badges(ids).items():
            result.setdefault(gid, []).extend(badges)
    return result


# --- Guest merge ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeHandler:
    """How an app moves its rows from a duplicate guest to the survivor, and back.

    ``move(merged_id, survivor_id) -> dict`` runs inside the merge transaction and returns
    JSON-serialisable data naming exactly what moved (usually primary keys);
    ``restore(moved, merged_id, survivor_id)`` puts exactly those rows back on undo.
    """

    key: str
    order: int
    move: Callable[[int, int], dict]
    restore: Callable[[dict, int, int], None]


_MERGE_HANDLERS: dict[str, MergeHandler] = {}


def register_merge_handler(handler: MergeHandler) -> None:
    _MERGE_HANDLERS[handler.key] = handler


def merge_handlers() -> list[MergeHandler]:
    return sorted(_MERGE_HANDLERS.values(), key=lambda h: h.order)
