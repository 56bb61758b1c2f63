import codecs
import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from core.strict_json import StrictJSONDecoder


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with ``core.strict_json``'s refusals: no NaN or infinity, no nesting past its
    depth, each a 400 ``invalid`` that says why."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return json.load(codecs.getreader(encoding)(stream), cls=StrictJSONDecoder)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
