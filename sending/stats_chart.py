"""The Analytics page's chart, drawn on the server as an SVG: one line per series over a time axis (a
point per day, spaced by the days between them), counts from zero. No script: the page's table of the
same numbers is its text alternative."""

from dataclasses import dataclass

from sending.stats import SERIES, Day

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 32
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
# Okabe-Ito colours (told apart with colour-blindness) and a dash each, so no line relies on colour alone.
STYLE = {
    "sent": ("#0072b2", ""),
    "replied": ("#009e73", "8 4"),
    "bounced": ("#d55e00", "2 3"),
    "unsubscribed": ("#cc79a7", "10 3 2 3"),
    "completed": ("#7a5c00", "4 4"),
}
X_LABELS = 5


@dataclass(frozen=True)
class Line:
    series: str
    colour: str
    dash: str
    points: str  # "x,y x,y …" for <polyline points>
    total: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]


def nice_ceiling(value: int) -> int:
    """The top of the count axis: 4, or the least of 10, 20, 50, 100, … at or above ``value`` (even, so
    its half, the middle tick, is whole)."""
    if value <= 4:
        return 4
    magnitude = 10
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def chart(daily: list[Day]) -> Chart:
    top_value = nice_ceiling(max((getattr(day, series) for day in daily for series in SERIES), default=0))
    span = max(len(daily) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + (index / span if len(daily) > 1 else 0.5) * PLOT_WIDTH, 1)

    def y(value: int) -> float:
        return round(TOP + PLOT_HEIGHT * (1 - value / top_value), 1)

    lines = [
        Line(
            series=series,
            colour=STYLE[series][0],
            dash=STYLE[series][1],
            points=" ".join(f"{x(i)},{y(getattr(day, series))}" for i, day in enumerate(daily)),
            total=sum(getattr(day, series) for day in daily),
        )
        for series in SERIES
    ]
    labelled = sorted({round(n * (len(daily) - 1) / (X_LABELS - 1)) for n in range(X_LABELS)})
    x_ticks = [Tick(x(i), daily[i].date.strftime("%b %-d")) for i in labelled if daily]
    y_ticks = [Tick(y(value), f"{value:,}") for value in (0, top_value // 2, top_value)]
    return Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM, lines, x_ticks, y_ticks)
