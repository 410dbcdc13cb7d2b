"""The one registry through which apps add their part to guest-centred features.

The guests app owns the single customer view, search, merge, privacy export and erasure,
but knows nothing of loyalty, complaints, segments or care.  Each app registers what it
contributes in its ``AppConfig.ready`` with :func:`register`::

    register(
        GuestSection(key="loyalty", order=20, profile=..., template=..., badges=..., permission=...),
        IdentifierLookup(key="member-number", lookup=selectors.guest_ids_by_member_number),
        MergeHandler(key="loyalty", order=20, move=..., restore=...),
        PersonalData(key="loyalty", order=20, erase=services.guest_loyalty_erase, export=...),
    )

* :class:`GuestSection` — ``profile(guest, viewer) -> dict`` for the 360 page and
  ``/api/v1/guests/{id}/profile/`` (a constant number of queries whatever the history),
  the ``template`` that renders it, ``badges(guest_ids)`` for search results and lists
  (one query for the whole page), and ``profile_badges(data)`` where the section's own
  profile data already says the same (the 360 view then reads no badge twice; with
  ``profile_badges_chain_wide_only`` only for a viewer who sees every property, where the
  section's data covers the viewer's properties and the badge the whole chain).
* :class:`IdentifierLookup` — ``lookup(text) -> list[guest id]`` for identifiers an app
  owns (member numbers …), tried by guest search before names.
* :class:`MergeHandler` — ``move(merged_id, survivor_id) -> dict`` inside the merge
  transaction, returning exactly what moved; ``restore(moved, merged_id, survivor_id)``
  puts exactly that back on undo.
* :class:`PersonalData` — every holder of a guest's personal data: ``erase(guest_ids)``
  scrubs it inside the erasure transaction (``guest_ids`` is the whole merge cluster);
  ``export(guest, viewer) -> dict`` adds the app's part to the right-of-access export;
  ``activity(since) -> [queryset]`` (each a flat ``values_list`` of guest ids, never
  null: it is used in ``NOT IN``) names the guests with activity in the app since then,
  which the retention task leaves alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import scope


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
    # The badges read from the section's own ``profile`` data, where it holds exactly what
    # ``badges`` would answer: the 360 view then spends no query on them.
    profile_badges: Callable[[dict], list[Badge]] | None = None
    badges_source: str | None = None  # the section whose data ``profile_badges`` reads (default: this one)
    # The section's data covers only the viewer's properties while ``badges`` looks at the
    # whole chain: ``profile_badges`` answers only for a viewer who sees every property.
    profile_badges_chain_wide_only: bool = False
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IdentifierLookup:
    key: str
    lookup: Callable[[str], list[int]]
    order: int = 100


@dataclass(frozen=True)
class MergeHandler:
    key: str
    order: int
    move: Callable[[int, int], dict]
    restore: Callable[[dict, int, int], None]


@dataclass(frozen=True)
class PersonalData:
    key: str
    order: int
    erase: Callable[[list[int]], None] | None = None
    export: Callable | None = None  # (guest, viewer) -> JSON-ready data
    activity: Callable | None = None  # (since: datetime) -> [values_list of guest ids active since]


_KINDS = (GuestSection, IdentifierLookup, MergeHandler, PersonalData)
_REGISTRY: dict[type, dict[str, object]] = {kind: {} for kind in _KINDS}


def register(*extensions) -> None:
    """Register (or replace, by key) what an app contributes; safe to call twice."""
    for extension in extensions:
        kind = type(extension)
        if kind not in _REGISTRY:
            raise TypeError(f"not an extension: {extension!r}")
        _REGISTRY[kind][extension.key] = extension


def _ordered(kind: type) -> list:
    return sorted(_REGISTRY[kind].values(), key=lambda e: (e.order, e.key))


def guest_sections(viewer=None) -> list[GuestSection]:
    sections = _ordered(GuestSection)
    if viewer is None:
        return sections
    return [s for s in sections if s.permission is None or viewer.has_perm(s.permission)]


def badges_for(
    guest_ids: Iterable[int], viewer=None, *, profiles: dict[str, dict] | None = None
) -> dict[int, list[Badge]]:
    """Every section's badges for these guests; ``profiles`` (one guest's section data by
    key, on the 360 view) answers for the sections that can read their badges from it."""
    ids = list(guest_ids)
    result: dict[int, list[Badge]] = {gid: [] for gid in ids}
    if not ids:
        return result
    profiles = profiles or {}
    for section in guest_sections(viewer):
        if section.badges is None:
            continue
        source = section.badges_source or section.key
        if _profile_answers(section, source, profiles, ids, viewer):
            result[ids[0]].extend(section.profile_badges(profiles[source]))
            continue
        for gid, badges in section.badges(ids).items():
            result.setdefault(gid, []).extend(badges)
    return result


def _profile_answers(section: GuestSection, source: str, profiles: dict, ids: list[int], viewer) -> bool:
    """Whether the 360 view's section data says what ``section.badges`` would."""
    if section.profile_badges is None or source not in profiles or len(ids) != 1:
        return False
    return not section.profile_badges_chain_wide_only or scope.home_properties(viewer) is None


def identifier_lookups() -> list[IdentifierLookup]:
    return _ordered(IdentifierLookup)


def merge_handlers() -> list[MergeHandler]:
    return _ordered(MergeHandler)


def personal_data_holders() -> list[PersonalData]:
    return _ordered(PersonalData)
