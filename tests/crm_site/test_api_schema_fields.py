"""Read fields say in the OpenAPI schema what the database may hold (issue #9).

schemathesis (``test_api_conformance.py``) only sees the rows its small chain holds; this test
reads every serializer of the apps instead.  Two ways a declared field lies:

- a relation or ``source="fk.attr"`` through a nullable foreign key without
  ``allow_null=True`` (the schema says string, the answer is ``null``);
- a read-only choice field whose model field is ``blank=True`` (DRF drops ``allow_blank`` from
  read-only model fields, so the schema's enum lacks ``""``) — declare it
  ``ChoiceField(choices=..., read_only=True, allow_blank=True)``.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers

APPS = ("guests", "loyalty", "complaints", "analytics", "care", "accounts", "nightly", "outbox", "crm_site")


MANY = (serializers.ManyRelatedField, serializers.ListSerializer, serializers.ListField)


def _serializer_classes():
    for config in apps.get_app_configs():
        if config.name.split(".")[0] not in APPS:
            continue
        for module in ("api.serializers", "api.nested", "api.views", "serializers"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                pass
    found, todo = set(), [serializers.Serializer]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(
        (
            cls
            for cls in found
            if cls.__module__.split(".")[0] in APPS and getattr(getattr(cls, "Meta", None), "model", None)
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return next((f for f in model._meta.concrete_fields if f.attname == name), None)


def _nullable_path(model, source: str) -> bool | None:
    """Whether following ``source`` from ``model`` may meet a null (None: not a model path)."""
    nullable = False
    for part in source.split("."):
        field = _model_field(model, part)
        if field is None or (field.auto_created and not field.concrete):  # not a column (reverse relation)
            return None
        nullable = nullable or bool(getattr(field, "null", False))
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return nullable


def _problems(cls) -> list[str]:
    try:
        fields = cls().fields
    except Exception:  # a serializer that needs context to build its fields: not checkable here
        return []
    model = cls.Meta.model
    problems = []
    for name, field in fields.items():
        if field.write_only or field.source == "*" or isinstance(field, MANY):
            continue
        label = f"{cls.__module__}.{cls.__qualname__}.{name}"
        if (
            _nullable_path(model, field.source)
            and not field.allow_null
            and not isinstance(field, serializers.Serializer)
        ):
            problems.append(f"{label}: may be null in the database, declare allow_null=True")
        if isinstance(field, serializers.ChoiceField) and not field.allow_blank:
            model_field = _model_field(model, field.source)
            if model_field is not None and model_field.choices and model_field.blank and not model_field.null:
                problems.append(f"{label}: may be blank in the database, declare allow_blank=True")
    return problems


def test_read_fields_declare_null_and_blank_the_database_may_hold():
    classes = _serializer_classes()
    assert len(classes) > 20  # the walk found the apps' serializers
    problems = [problem for cls in classes for problem in _problems(cls)]
    assert not problems, "\n".join(problems)
