"""What the dashboard's views share: counted words and keyset-paginated lists with their links."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import models
from django.utils.translation import ngettext


def counted(singular, plural_form, count):
    """``singular``/``plural_form`` (with ``%(count)s``) for ``count``, the number with thousands commas."""
    return ngettext(singular, plural_form, count) % {"count": f"{count:,}"}


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


@dataclass(frozen=True)
class KeysetPage:
    """A page of rows, newest first, and the keys that open its neighbours (None: there is none)."""

    items: list
    next_after: int | None
    previous_before: int | None


def keyset_page(rows, *, key="pk", after=None, before=None, size=50):
    """The page of ``rows`` (a queryset) by ``key`` descending: those below ``after``, or above ``before``,
    or the first ones. A deep page costs what the first one does, as no row before it is counted or
    skipped. ``rows`` may give model instances or the flat values of ``key`` itself."""

    def key_of(row):
        return getattr(row, key) if isinstance(row, models.Model) else row

    if before is not None:
        found = list(rows.filter(**{f"{key}__gt": before}).order_by(key)[: size + 1])
        items = found[:size][::-1]
        return KeysetPage(
            items,
            next_after=key_of(items[-1]) if items else None,
            previous_before=key_of(items[0]) if len(found) > size else None,
        )
    if after is not None:
        rows = rows.filter(**{f"{key}__lt": after})
    found = list(rows.order_by(f"-{key}")[: size + 1])
    items = found[:size]
    return KeysetPage(
        items,
        next_after=key_of(items[-1]) if len(found) > size else None,
        previous_before=key_of(items[0]) if after is not None and items else None,
    )
