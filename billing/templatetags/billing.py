from django import template

register = template.Library()


@register.filter
def dollars(cents):
    """12900 -> "$129"; 1950 -> "$19.50"."""
    whole, part = divmod(int(cents), 100)
    return f"${whole:,}" if part == 0 else f"${whole:,}.{part:02d}"
