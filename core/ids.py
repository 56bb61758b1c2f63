"""The ids clients send: primary keys are PostgreSQL bigints, so a bigger number names nothing, and
fields that read an id refuse it (the database would answer it with an out-of-range error, a 500)."""

ID_MAX = 2**63 - 1


class IdConverter:
    """``<id:name>`` in a URL: a primary key. A number past ``ID_MAX`` matches no route, so it is a 404
    like any id the workspace does not have. Registered by core.api's AppConfig."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > ID_MAX:
            raise ValueError(f"{value} is past the largest id")
        return number

    def to_url(self, value):
        return str(value)
