from django import template

register = template.Library()


@register.filter
def flat_counts(counts) -> list[tuple[str, str]]:
    """A step's counts as (name, value) pairs; nested figures joined on one line."""
    if not isinstance(counts, dict):
        return []
    pairs = []
    for key, value in counts.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        pairs.append((str(key).replace("_", " "), str(value)))
    return pairs


@register.filter
def status_kind(status: str) -> str:
    """The badge kind for a run or step status."""
    return {"completed": "success", "failed": "danger", "skipped": "warning", "running": "info"}.get(status, "")
