"""JSON as clients may send it (rule 17): only what JSON allows and we can keep. ``NaN`` and ``Infinity``
are not JSON, a number like ``1e400`` would become infinity (which PostgreSQL's JSON refuses), and nesting
deeper than any of our documents is refused before it can exhaust the stack. Every refusal is a
``json.JSONDecodeError``, which Django's and DRF's JSON fields and DRF's parser answer as invalid input."""

import json
import math

MAX_DEPTH = 32


def _no_constants(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is too large")
    return number


def _depth_within(value, limit):
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return True


class JSONRefused(json.JSONDecodeError):
    """Says what was refused, without a position (the hooks that refuse do not know it)."""

    def __init__(self, msg, doc):
        super().__init__(msg, doc, 0)

    def __str__(self):
        return self.msg


class StrictJSONDecoder(json.JSONDecoder):
    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "parse_constant": _no_constants, "parse_float": _finite})

    def decode(self, s, *args, **kwargs):
        try:
            value = super().decode(s, *args, **kwargs)
        except json.JSONDecodeError:
            raise
        except RecursionError:
            raise JSONRefused(f"nested deeper than {MAX_DEPTH} levels", s) from None
        except ValueError as exc:  # from the hooks above, or an integer of more digits than Python reads
            raise JSONRefused(str(exc), s) from None
        if not _depth_within(value, MAX_DEPTH):
            raise JSONRefused(f"nested deeper than {MAX_DEPTH} levels", s)
        return value
