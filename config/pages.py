"""What the dashboard's views share: counted words and the links of keyset-paginated lists."""

from urllib.parse import urlencode


def plural(count, word):
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def page_links(request, page, path=None):
    """URLs of the next and previous pages of the list at ``path`` (this page's by default), keeping the
    rest of the query (a search, filters given more than once)."""
    kept = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ("after", "before")
        for value in values
    ]

    def url(**position):
        return f"{path or request.path}?{urlencode([*kept, *position.items()])}"

    return {
        "next_url": url(after=page.next_after) if page.next_after else None,
        "previous_url": url(before=page.previous_before) if page.previous_before else None,
    }
