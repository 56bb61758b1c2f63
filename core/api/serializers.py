from collections.abc import Mapping

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.fields import empty


class RejectUnknownFieldsMixin:
    """A body with a field the endpoint does not know is a 400 that names it, not a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def _type_error(field, value):
    """What is wrong with the JSON type of ``value`` for ``field``, or None. DRF alone would take 5 for
    the text "5", "yes" for true and "12" for 12."""
    if value is None:
        return None  # the field's own allow_null answers
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Must be a whole number."
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return None if isinstance(value, str) else "Must be text."
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        for index, item in enumerate(value):
            problem = _type_error(field.child, item)
            if problem:
                return f"Item {index}: {problem[0].lower()}{problem[1:]}"
    return None


class JsonTypesMixin:
    """A JSON body's values must have the JSON type of their field (rule 17: a wrong type is a clear
    400, not a guess). Form and query data, which is all text, is left to the fields."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            problems = {
                name: [problem]
                for name, value in data.items()
                if name in self.fields and (problem := _type_error(self.fields[name], value))
            }
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)


class StrictSerializer(RejectUnknownFieldsMixin, JsonTypesMixin, serializers.Serializer):
    pass


class QueryValueMixin:
    """A query-string parameter read as sent: DRF reads an empty one (``?campaign=``) as absent, or as
    null, so that a filter would silently match everything; here it is a 400, as any text of the wrong
    type."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name, empty)


class QueryIntegerField(QueryValueMixin, serializers.IntegerField):
    pass


class QueryBooleanField(QueryValueMixin, serializers.BooleanField):
    pass


class QueryChoiceField(QueryValueMixin, serializers.ChoiceField):
    pass
