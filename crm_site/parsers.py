"""A JSON parser that refuses what would otherwise reach the database as a 500.

Python's decoder recurses per nesting level (a 5,000-deep body is a ``RecursionError``)
and PostgreSQL refuses NUL characters in text.  Both are the client's mistake: a 400
naming the problem, before any view code runs.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


def _check(data, *, max_depth: int) -> None:
    """Walk the parsed body without recursion: depth and NUL characters."""
    stack = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if depth > max_depth:
            raise ParseError(_("The JSON body is nested too deeply (at most %(n)d levels).") % {"n": max_depth})
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise ParseError(_("Field names cannot contain NUL characters."))
                stack.append((item, depth + 1, f"{path}.{key}" if path else key))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, f"{path}[{i}]") for i, item in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            raise ParseError(_("Text cannot contain NUL characters (%(field)s).") % {"field": path or _("body")})


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        _check(data, max_depth=getattr(settings, "API_MAX_JSON_DEPTH", MAX_DEPTH))
        return data
