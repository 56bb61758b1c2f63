"""A clock a test sets by hand and that remembers what the code under test read from it."""


class FakeClock:
    def __init__(self, now):
        self.now = now
        self.readings = []

    def __call__(self):
        self.readings.append(self.now)
        return self.now

    def advance(self, by):
        self.now += by

    def assert_read_since(self, moment):
        """The code read the clock at ``moment`` or later: the fake time reached it (a clock nobody reads
        proves nothing)."""
        assert self.readings, "the code under test never read this clock"
        assert self.readings[-1] >= moment, (self.readings[-1], moment)
