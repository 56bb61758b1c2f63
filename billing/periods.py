"""Monthly billing periods that keep their day of the month: Jan 31 → Feb 28 (29) → Mar 31."""

import calendar


def add_months(moment, months, *, anchor_day):
    """``moment`` moved by whole months onto ``anchor_day``, or the month's last day if it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start, *, anchor_day):
    return add_months(start, 1, anchor_day=anchor_day)
