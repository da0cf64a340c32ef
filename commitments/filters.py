import functools

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import Subquery
from django.utils.translation import gettext_lazy as _

from commitments import fragments, policy
from commitments.models import Country, Objective, ProgressUpdate, ReportingPeriod
from commitments.widgets import DrawnOptions, FastSelect

SEARCH_MAX_LENGTH = 200


# The option lists are read as plain rows, not model instances: with years of objective
# sets and hundreds of officials they hold hundreds of options, and building a model per
# option cost more than the rest of the updates list. Each list is one query, and is read
# and drawn once per reference stamp and language (the "filter-options" fragment).


def objective_choices():
    """Every objective, grouped by the year of its set, newest set first."""
    rows = Objective.objects.order_by("-objective_set__year", "number").values_list(
        "pk", "objective_set__year", "number", "title", "title_es", "title_fr"
    )
    groups = {}
    for pk, year, number, *titles in rows:
        label = f"{number}. {Objective.in_active_language(*titles)}"
        groups.setdefault(str(year), []).append((str(pk), label))
    return list(groups.items())


def year_choices():
    """The year of every objective set with objectives, newest first: the groups of the
    objective choices (``ProgressUpdateFilter`` reads them from that list, kept already,
    rather than with a query of their own)."""
    return [(year, year) for year, _ in objective_choices()]


def period_choices():
    """Every reporting period, newest first."""
    periods = ReportingPeriod.objects.order_by("-starts_on", "-pk").values_list("pk", "name")
    return [(str(pk), name) for pk, name in periods]


def country_choices():
    """Every country, by its code in the URL."""
    countries = Country.objects.order_by("name").values_list("code", "name", "name_es", "name_fr")
    return [(code, Country.in_active_language(*names)) for code, *names in countries]


def author_choices():
    """The officials, by name, identified in the URL by username."""
    officials = (
        policy.officials().order_by("username").values_list("username", "first_name", "last_name")
    )
    return [
        (username, f"{first} {last}".strip() or username) for username, first, last in officials
    ]


def read_options(read, empty_label):
    """A filter's choices, read with ``read()``, and its options drawn."""
    choices = read()
    return choices, DrawnOptions([("", empty_label), *choices])


def option_list(request, name, read, empty_label):
    """Functions giving the filter's choices and its options drawn, read once per
    reference stamp and language (the "filter-options" fragment) when first asked for:
    a page whose filter form is cached and whose filters are empty reads neither. (A
    form copies its fields; a function is copied as it is, a list of hundreds of
    choices would cost more to copy than the rest of the form.)"""
    options = functools.cache(
        functools.partial(
            fragments.cached,
            "filter-options",
            request,
            functools.partial(read_options, read, empty_label),
            subject=name,
        )
    )
    return (lambda: options()[0]), (lambda: options()[1])


def years_of(objective_choices_read):
    """``year_choices`` from the objective choices as ``option_list`` keeps them."""
    return [(year, year) for year, _ in objective_choices_read()]


class ProgressUpdateFilter(django_filters.FilterSet):
    """The updates list's filters; every value lives in the URL so a view can be shared."""

    q = django_filters.CharFilter(
        label=_("Search the narratives"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    # Choices given as a function are read from the database: see __init__.
    country = django_filters.ChoiceFilter(
        label=_("Country"),
        method="by_country",
        choices=country_choices,
        empty_label=_("All countries"),
        widget=FastSelect,
    )
    objective = django_filters.ChoiceFilter(
        label=_("Objective"),
        choices=objective_choices,
        empty_label=_("All objectives"),
        widget=FastSelect,
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"),
        method="by_year",
        choices=year_choices,
        empty_label=_("Every year"),
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ProgressUpdate.Status.choices,
        empty_label=_("Any status"),
        widget=FastSelect,
    )
    state = django_filters.ChoiceFilter(
        label=_("Review state"),
        choices=ProgressUpdate.State.choices,
        empty_label=_("Any state"),
        widget=FastSelect,
    )
    period = django_filters.ChoiceFilter(
        label=_("Reporting period"),
        choices=period_choices,
        empty_label=_("All periods"),
        widget=FastSelect,
    )
    author = django_filters.ChoiceFilter(
        label=_("Author"),
        method="by_author",
        choices=author_choices,
        empty_label=_("Anyone"),
        widget=FastSelect,
    )

    class Meta:
        model = ProgressUpdate
        fields = ["q", "country", "objective", "year", "status", "state", "period", "author"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The option lists change with the reference data only: given to this form's
        # fields (their choices) and selects (their options, drawn with the empty
        # choice first, as the fields list them) as read once per stamp and language.
        read_lists = {}
        for name, declared in self.filters.items():
            read = declared.extra.get("choices")
            if read is year_choices:  # the objective list's groups: no query of its own
                read = functools.partial(years_of, read_lists["objective"])
            if callable(read):  # read from the database, not a fixed list
                choices, drawn = option_list(
                    self.request, name, read, declared.extra["empty_label"]
                )
                read_lists[name] = choices
                declared.extra.update(choices=choices, widget=FastSelect(drawn=drawn))

    def by_country(self, queryset, name, value):
        """The country's updates, by id (a subquery the planner runs first)."""
        return queryset.filter(
            country=Subquery(Country.objects.filter(code=value).values("pk")[:1])
        )

    def by_year(self, queryset, name, value):
        """The updates on the objectives of one year's set (by its periods' ids, a
        subquery the planner runs first)."""
        periods = ReportingPeriod.objects.filter(objective_set__year=value).values("pk")
        return queryset.filter(period__in=Subquery(periods))

    def by_author(self, queryset, name, value):
        """The author's updates. The username becomes an id in a subquery the planner
        runs first, so the list reads the author's own index (no join to search)."""
        user = get_user_model().objects.filter(username=value).values("pk")[:1]
        return queryset.filter(author=Subquery(user))

    def search(self, queryset, name, value):
        """Full-text search over the narratives (PostgreSQL, GIN-indexed)."""
        return queryset.filter(search=SearchQuery(value, config="simple", search_type="websearch"))
