"""Shared coercers: plain input (JSON values, form strings, CLI arguments) → checked values.

Every service, view, task and command that reads a date, an amount, a number of points
or a piece of text from outside goes through these, so one rule has one wording and one
range everywhere.  Each raises :class:`crm_site.errors.DomainError` naming ``field``;
nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .errors import DomainError

# Dates a hotel works with; anything outside is a typo (year 9999, 0001) and would
# overflow date arithmetic further on.
MIN_YEAR = 1900
MAX_YEAR = 2100
CENT = Decimal("0.01")
MAX_MONEY = Decimal("1e10")  # fits numeric(12, 2)
MAX_POINTS = 10_000_000
MAX_TEXT = 5_000  # a note, an action taken, a comment: a page of text at most
MAX_INT = 2**31 - 1


def _invalid_date(field: str) -> DomainError:
    return DomainError(_("Enter a valid date (YYYY-MM-DD)."), field=field, code="invalid_date")


def _check_year(value: dt.date, field: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise DomainError(
            _("Enter a date between %(min)d and %(max)d.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field=field,
            code="date_out_of_range",
        )


def as_date(value, *, field: str, required: bool = True) -> dt.date | None:
    """A date from a ``date``/``datetime`` or ISO ``YYYY-MM-DD`` text, years 1900-2100."""
    if value in (None, ""):
        if required:
            raise DomainError(_("This date is required."), field=field, code="required")
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = str(value).strip()
        if len(text) != 10:
            raise _invalid_date(field)
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise _invalid_date(field) from None
    _check_year(value, field)
    return value


def as_month(value, *, field: str) -> dt.date:
    """The first day of a month from ``YYYY-MM`` (or a full date)."""
    text = str(value or "").strip()
    if len(text) == 7:
        text = f"{text}-01"
    return as_date(text, field=field).replace(day=1)


def as_datetime(value, *, field: str, required: bool = False) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; naive means the server's zone."""
    if value in (None, ""):
        if required:
            raise DomainError(_("This date and time is required."), field=field, code="required")
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = parse_datetime(str(value).strip())
        except ValueError:
            value = None
        if value is None:
            raise DomainError(_("Enter a valid date and time (ISO 8601)."), field=field, code="invalid_datetime")
    _check_year(value.date(), field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def as_of_date(value, *, field: str = "as_of", today: dt.date | None = None, allow_future: bool = False) -> dt.date:
    """The date a nightly job or report is computed for: empty → today; never in the
    future unless the caller allows it (a plan for tomorrow)."""
    today = today or timezone.localdate()
    if value in (None, ""):
        return today
    day = as_date(value, field=field)
    if not allow_future and day > today:
        raise DomainError(_("The date cannot be in the future."), field=field, code="future_date")
    return day


def date_range(start, end, *, start_field: str = "start", end_field: str = "end", max_days: int | None = None):
    """``(start, end)`` dates with end on or after start and at most ``max_days`` apart."""
    first = as_date(start, field=start_field)
    last = as_date(end, field=end_field)
    if last < first:
        raise DomainError(_("The end cannot be before the start."), field=end_field, code="end_before_start")
    if max_days is not None and (last - first).days > max_days:
        raise DomainError(
            _("At most %(n)s days at a time.") % {"n": number_format(max_days, force_grouping=True)},
            field=end_field,
            code="range_too_long",
        )
    return first, last


def as_int(value, *, field: str, minimum: int | None = None, maximum: int | None = None, default=None) -> int:
    """A whole number (``"12"``, ``12``; not ``12.5``, ``True`` or ``"1e3"``) in range."""
    if value in (None, ""):
        if default is not None:
            return default
        raise DomainError(_("Enter a whole number."), field=field, code="required")
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise DomainError(_("Enter a whole number."), field=field, code="invalid_integer")
    try:
        number = int(value) if isinstance(value, int | float) else int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=field, code="invalid_integer") from None
    low = -MAX_INT if minimum is None else minimum
    high = MAX_INT if maximum is None else maximum
    if not low <= number <= high:
        raise DomainError(
            _("Enter a whole number from %(min)s to %(max)s.")
            % {"min": number_format(low, force_grouping=True), "max": number_format(high, force_grouping=True)},
            field=field,
            code="out_of_range",
        )
    return number


def as_id(value, *, field: str) -> int:
    """A database id: a positive whole number (anything else names the field)."""
    return as_int(value, field=field, minimum=1, maximum=2**63 - 1)


def as_points(value, *, field: str = "points", allow_negative: bool = False, allow_zero: bool = False) -> int:
    """Loyalty points: a whole number, positive unless the caller allows otherwise."""
    if isinstance(value, bool):
        raise DomainError(_("Enter a whole number of points."), field=field, code="invalid_points")
    try:
        points = as_int(value, field=field)
    except DomainError:
        raise DomainError(_("Enter a whole number of points."), field=field, code="invalid_points") from None
    if points == 0 and not allow_zero:
        raise DomainError(
            _("Enter a number of points other than zero.")
            if allow_negative
            else _("Enter a positive number of points."),
            field=field,
            code="invalid_points",
        )
    if points < 0 and not allow_negative:
        raise DomainError(_("Enter a positive number of points."), field=field, code="invalid_points")
    if abs(points) > MAX_POINTS:
        raise DomainError(
            _("At most %(max)s points in one transaction.") % {"max": number_format(MAX_POINTS, force_grouping=True)},
            field=field,
            code="too_many_points",
        )
    return points


def as_money(
    value, *, field: str, allow_negative: bool = False, required: bool = False, maximum: Decimal = MAX_MONEY
) -> Decimal:
    """An amount with at most two decimals; empty is zero unless required."""
    if value in (None, ""):
        if required:
            raise DomainError(_("Enter an amount."), field=field, code="required")
        return Decimal("0.00")
    if isinstance(value, bool):
        raise DomainError(_("Enter an amount."), field=field, code="invalid_amount")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount."), field=field, code="invalid_amount") from None
    if not amount.is_finite() or abs(amount) >= maximum:
        raise DomainError(_("Enter an amount."), field=field, code="invalid_amount")
    if amount < 0 and not allow_negative:
        raise DomainError(_("Enter an amount of zero or more."), field=field, code="negative_amount")
    if amount != amount.quantize(CENT):
        raise DomainError(_("Use at most two decimals."), field=field, code="too_many_decimals")
    return amount.quantize(CENT)


def as_text(
    value, *, field: str, max_length: int = MAX_TEXT, required: bool = False, message: str | None = None
) -> str:
    """Trimmed text without NUL bytes (PostgreSQL refuses them) and at most ``max_length``."""
    text = "" if value is None else str(value).strip()
    if not text and required:
        raise DomainError(message or _("This field is required."), field=field, code="required")
    if "\x00" in text:
        raise DomainError(_("Text cannot contain NUL characters."), field=field, code="null_character")
    if len(text) > max_length:
        raise DomainError(
            _("At most %(n)s characters.") % {"n": number_format(max_length, force_grouping=True)},
            field=field,
            code="too_long",
        )
    return text


def as_choice(value, *, field: str, choices, default=None, message: str | None = None) -> str:
    """One of ``choices`` (a TextChoices class or an iterable of values)."""
    if value in (None, "") and default is not None:
        return default
    allowed = getattr(choices, "values", choices)
    if value not in allowed:
        raise DomainError(message or _("Choose one of the listed values."), field=field, code="invalid_choice")
    return value


def as_bool(value, *, field: str, default: bool = False) -> bool:
    """``true/false/1/0/yes/no/on/off`` (forms and query strings) or a JSON boolean."""
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise DomainError(_("Enter true or false."), field=field, code="invalid_boolean")
