"""Pages whose cost does not grow with the history behind them."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from commitments import fragments
from commitments.models import ProgressUpdate

COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows: ``SELECT COUNT(*) FROM (… LIMIT cap + 1)`` walks the
    ordering index for a bounded number of entries, where a plain count reads every
    matching row. ``capped`` says there are more than ``count``; pages stop there, and
    the list asks the user to narrow the filters.
    """

    def __init__(self, object_list, per_page, cap=None, count_list=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False
        # What to count when it differs from what to show: matches of a full-text search
        # come from the GIN index in any order; counting them in the page's order would
        # sort every match (356 ms instead of 35 ms for a common word over a million).
        self.count_list = object_list if count_list is None else count_list

    @cached_property
    def count(self):
        # Keep the ordering: the index that serves the page then serves the count too
        # (an official's "published or my country" has no index but the ordering one).
        found = self.count_list[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)


# A search counts its matches up to this many ("more than 100: narrow the search"): few
# enough that finding them costs the same over ten thousand updates or a million.
SEARCH_COUNT_CAP = 100

# The newest updates a search looks through first (see SearchPaginator).
SEARCH_FIRST_WINDOW = 2_000


def window_edge(rows, after=None):
    """When the ``rows``-th newest update of all (of those matching ``after``, a filter
    such as a feed's position) was written, or None when there are no more updates than
    that (an index-only walk of ``upd_latest``, ``rows`` entries)."""
    updates = (
        ProgressUpdate.objects.all() if after is None else ProgressUpdate.objects.filter(after)
    )
    return (
        updates.order_by("-created_at", "-id")
        .values_list("created_at", flat=True)[rows : rows + 1]
        .first()
    )


class SearchPaginator(CappedPaginator):
    """Pages of a full-text search, newest first, whose cost does not grow with the
    history.

    The GIN index hands over a search's matches unordered: finding the newest ones, or
    counting a hundred, meant reading every match (a common word matches a few per cent
    of a million updates). Instead the search looks through a window of the newest
    updates (those written since its edge), GIN and ``upd_latest`` combined: first the
    newest 2,000, then, if they hold too few matches to count past the cap, a window
    sized from the share of matches in the first (with room to spare), widened fourfold
    while still short. A window holding more than the cap holds every page (pages stop
    at the cap); a word with no match in the first window is looked for everywhere,
    where its matches are few. So the work is about the same over ten thousand updates
    or a million.
    """

    def __init__(self, object_list, per_page, count_list=None, **kwargs):
        super().__init__(object_list, per_page, cap=SEARCH_COUNT_CAP, count_list=count_list)
        self.edge = None  # the window's edge; None: every update

    def _within(self, queryset):
        return queryset if self.edge is None else queryset.filter(created_at__gte=self.edge)

    @cached_property
    def count(self):
        wanted = self.cap + 1
        rows = SEARCH_FIRST_WINDOW
        while True:
            self.edge = window_edge(rows)
            found = self._within(self.count_list)[:wanted].count()
            if found >= wanted or self.edge is None:
                break
            if not found:  # a rare word: its matches are few, wherever they are
                self.edge = None
                found = self.count_list[:wanted].count()
                break
            # Next, what the share of matches so far says holds the cap twice over, and
            # at least four times this window.
            rows = max(4 * rows, 2 * wanted * rows // found)
        self.capped = found > self.cap
        return min(found, self.cap)

    def page(self, number):
        number = self.validate_number(number)  # counts, which sets the window
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(list(self._within(self.object_list)[bottom:top]), number, self)


def newest_matches(search, limit, after=None):
    """The first ``limit`` rows of ``search`` (a full-text search, newest first, already
    filtered by ``after`` if given), looked for in widening windows of the newest updates
    as ``SearchPaginator`` does: a feed page of a search costs the same over ten thousand
    updates or a million."""
    rows = SEARCH_FIRST_WINDOW
    while True:
        edge = window_edge(rows, after)
        window = search if edge is None else search.filter(created_at__gte=edge)
        found = list(window[:limit])
        if edge is None or len(found) >= limit:
            return found[:limit]
        if not found:  # a rare word: its matches are few, wherever they are
            return list(search[:limit])
        rows = max(4 * rows, 2 * limit * rows // len(found))


PAGE_SIZE = 20  # rows a list page shows


def page_of_rows(request, updates, fragment, full, count_list=None, search=False):
    """A page of ``updates`` (in page order) for a template that draws each inside its
    cached ``fragment`` (``fragments.fill_rows``): ids and versions are read for the
    page, rows from ``full`` only where not drawn yet. The count reads ids only, so an
    index alone can count the rows; ``count_list`` counts instead when given. ``search``:
    ``updates`` is a full-text search, newest first (``SearchPaginator``)."""
    light = updates.only("pk")
    paginator = SearchPaginator if search else CappedPaginator
    page = paginator(
        updates.only("pk", "version"),
        PAGE_SIZE,
        count_list=light if count_list is None else count_list,
    ).get_page(request.GET.get("page"))
    page.object_list = fragments.fill_rows(request, page.object_list, fragment, full)
    return page
