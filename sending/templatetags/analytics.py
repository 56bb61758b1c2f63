from django import template

register = template.Library()


@register.filter
def percent(rate):
    """A rate of ``sending.stats`` (0 to 1, or None) as "12.5%", or a dash when there is no base yet."""
    if rate is None:
        return "\N{EN DASH}"
    return f"{rate * 100:.1f}%"
