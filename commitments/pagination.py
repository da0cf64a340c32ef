"""Pages whose cost does not grow with the history behind them."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from commitments import fragments, planning
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


# A search reads at most this many pages (of PAGE_SIZE), newest first: a reader wanting
# older matches narrows the search or filters by year.
SEARCH_MAX_PAGES = 50

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
    history, and grows with the page asked for only.

    The GIN index hands over a search's matches unordered: finding the newest ones, or
    counting them, meant reading every match (a common word matches a few per cent of a
    million updates, 22 ms for the index alone). Instead the search looks through a
    window of the newest updates (those written since its edge), walking ``upd_latest``
    and checking each update's words (``planning.along_the_ordering_index``): first the
    newest 2,000, then, if they hold too few matches, a window sized from the share of
    matches found so far (with room to spare), widened fourfold while still short; a
    word with no match in the newest 2,000 is looked for everywhere through the GIN
    index, where its matches are few. And it counts only as far as the page asked for
    and one more match: the list says whether there is a next page, not how many
    (``open_ended``), up to ``SEARCH_MAX_PAGES``.
    """

    open_ended = True  # the templates say "page 3" and "more", not "of 12"

    def __init__(self, object_list, per_page, count_list=None, wanted_page=None, **kwargs):
        try:
            wanted_page = int(wanted_page or 1)
        except (TypeError, ValueError):
            wanted_page = 1
        wanted_page = min(max(wanted_page, 1), SEARCH_MAX_PAGES)
        super().__init__(object_list, per_page, cap=wanted_page * per_page, count_list=count_list)
        self.edge = None  # the window's edge; None: every update

    def _within(self, queryset):
        return queryset if self.edge is None else queryset.filter(created_at__gte=self.edge)

    def _read(self, rows):
        """Evaluate a windowed query: along ``upd_latest`` (``planning``) when bounded."""
        if self.edge is None:
            return rows()
        with planning.along_the_ordering_index():
            return rows()

    @cached_property
    def count(self):
        wanted = self.cap + 1
        rows = SEARCH_FIRST_WINDOW
        while True:
            self.edge = window_edge(rows)
            found = self._read(lambda: self._within(self.count_list)[:wanted].count())
            if found >= wanted or self.edge is None:
                break
            if not found:  # a rare word: its matches are few, wherever they are
                self.edge = None
                found = self.count_list[:wanted].count()
                break
            # Next, what the share of matches so far says holds them twice over, and
            # at least four times this window.
            rows = max(4 * rows, 2 * wanted * rows // found)
        self.capped = found > self.cap
        return min(found, self.cap)

    @cached_property
    def num_pages(self):
        pages = super().num_pages
        return pages + 1 if self.capped and pages < SEARCH_MAX_PAGES else pages

    def page(self, number):
        number = self.validate_number(number)  # counts, which sets the window
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        rows = self._read(lambda: list(self._within(self.object_list)[bottom:top]))
        return self._get_page(rows, number, self)


def newest_matches(search, limit, after=None):
    """The first ``limit`` rows of ``search`` (a full-text search, newest first, already
    filtered by ``after`` if given), looked for in widening windows of the newest updates
    as ``SearchPaginator`` does: a feed page of a search costs the same over ten thousand
    updates or a million."""
    rows = SEARCH_FIRST_WINDOW
    while True:
        edge = window_edge(rows, after)
        if edge is None:
            found = list(search[:limit])
        else:
            with planning.along_the_ordering_index():
                found = list(search.filter(created_at__gte=edge)[:limit])
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
    extra = {"wanted_page": request.GET.get("page")} if search else {}
    page = (SearchPaginator if search else CappedPaginator)(
        updates.only("pk", "version"),
        PAGE_SIZE,
        count_list=light if count_list is None else count_list,
        **extra,
    ).get_page(request.GET.get("page"))
    page.object_list = fragments.fill_rows(request, page.object_list, fragment, full)
    return page
