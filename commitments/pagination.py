"""Pages whose cost does not grow with the history behind them."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from commitments import fragments

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


PAGE_SIZE = 20  # rows a list page shows


def page_of_rows(request, updates, fragment, full, count_list=None):
    """A page of ``updates`` (in page order) for a template that draws each inside its
    cached ``fragment`` (``fragments.fill_rows``): ids and versions are read for the
    page, rows from ``full`` only where not drawn yet. The count reads ids only, so an
    index alone can count the rows; ``count_list`` counts instead when given."""
    light = updates.only("pk")
    page = CappedPaginator(
        updates.only("pk", "version"),
        PAGE_SIZE,
        count_list=light if count_list is None else count_list,
    ).get_page(request.GET.get("page"))
    page.object_list = fragments.fill_rows(request, page.object_list, fragment, full)
    return page
