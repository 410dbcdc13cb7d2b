"""Segmentation parameters: ``settings.SEGMENTATION`` over the defaults, validated.

``SEGMENTATION = {"cuts": {"vip": 1, "major": 4, "ordinary": 15, "small": 80}, "window_months": 24}``
— cuts are percentages of the *active* guests (a checked-out stay in the window) and must
be non-negative and add up to exactly 100.  A bad value is refused with a
``DomainError`` naming the setting, before any run row is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _

from crm_site.errors import DomainError

from .models import RANKED_SEGMENTS

DEFAULTS = {
    "window_months": 24,
    "cuts": {"vip": 1, "major": 4, "ordinary": 15, "small": 80},
    # The Pareto "top" group, in percent of active guests (the 20 of 80/20).
    "top_share": 20,
    # The Lorenz curve is sampled at this many equal steps (so points + 1 points).
    "lorenz_points": 100,
    # Completed runs whose per-guest rows are kept (a week of nightly snapshots, about
    # 100 bytes a guest each); older runs keep their counts and figures for the trend.
    "keep_guest_rows": 7,
}
SETTING = "SEGMENTATION"


@dataclass(frozen=True)
class Parameters:
    window_months: int
    cuts: dict[str, Fraction]  # segment -> percent, in pyramid order
    top_share: Fraction
    lorenz_points: int
    keep_guest_rows: int

    def cumulative_cuts(self) -> list[tuple[str, Fraction]]:
        """(segment, cumulative percent) from the top: vip 1, major 5, ordinary 20, small 100."""
        total = Fraction(0)
        result = []
        for code, share in self.cuts.items():
            total += share
            result.append((code, total))
        return result

    def as_json(self) -> dict:
        return {
            "window_months": self.window_months,
            "cuts": {code: _number(share) for code, share in self.cuts.items()},
            "top_share": _number(self.top_share),
            "lorenz_points": self.lorenz_points,
            "keep_guest_rows": self.keep_guest_rows,
        }


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _percent(value, field: str) -> Fraction:
    if isinstance(value, bool):
        raise DomainError(_("Enter a number of percent."), field=field)
    try:
        number = Fraction(str(value))
    except (TypeError, ValueError, ZeroDivisionError):
        raise DomainError(_("Enter a number of percent."), field=field) from None
    if number < 0:
        raise DomainError(_("A percentage cannot be negative."), field=field)
    if number > 100:
        raise DomainError(_("A percentage cannot exceed 100."), field=field)
    return number


def _integer(value, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("Enter a whole number."), field=field)
    if not low <= value <= high:
        raise DomainError(
            _("Enter a whole number between %(low)d and %(high)d.") % {"low": low, "high": high}, field=field
        )
    return value


def load_parameters(overrides: Mapping | None = None) -> Parameters:
    """Defaults, then ``settings.SEGMENTATION``, then ``overrides``; validated."""
    configured = getattr(settings, SETTING, None) or {}
    if not isinstance(configured, Mapping):
        raise DomainError(_("SEGMENTATION must be a dictionary."), field=SETTING)
    merged = {**DEFAULTS, **configured, **(overrides or {})}
    unknown = sorted(set(merged) - set(DEFAULTS))
    if unknown:
        raise DomainError(_("Unknown segmentation setting."), field=f"{SETTING}.{unknown[0]}")

    cuts_field = f"{SETTING}.cuts"
    raw_cuts = merged["cuts"]
    if not isinstance(raw_cuts, Mapping):
        raise DomainError(_("Give the cuts as {segment: percent}."), field=cuts_field)
    expected = [str(code) for code in RANKED_SEGMENTS]
    if sorted(raw_cuts) != sorted(expected):
        raise DomainError(
            _("Give a percentage for exactly these segments: %(codes)s.") % {"codes": ", ".join(expected)},
            field=cuts_field,
        )
    cuts = {code: _percent(raw_cuts[code], f"{cuts_field}.{code}") for code in expected}
    if sum(cuts.values()) != 100:
        raise DomainError(
            _("The cuts must add up to 100 %% (they add up to %(total)s %%).") % {"total": _number(sum(cuts.values()))},
            field=cuts_field,
        )
    top_share = _percent(merged["top_share"], f"{SETTING}.top_share")
    if top_share == 0:
        raise DomainError(_("The top share must be above 0 %."), field=f"{SETTING}.top_share")
    return Parameters(
        window_months=_integer(merged["window_months"], f"{SETTING}.window_months", low=1, high=240),
        cuts=cuts,
        top_share=top_share,
        lorenz_points=_integer(merged["lorenz_points"], f"{SETTING}.lorenz_points", low=100, high=2000),
        keep_guest_rows=_integer(merged["keep_guest_rows"], f"{SETTING}.keep_guest_rows", low=2, high=10_000),
    )
