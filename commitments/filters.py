import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.utils.translation import gettext_lazy as _

from commitments.models import Country, Objective, ProgressUpdate, ReportingPeriod

SEARCH_MAX_LENGTH = 200


class ProgressUpdateFilter(django_filters.FilterSet):
    """The updates list's filters; every value lives in the URL so a view can be shared."""

    q = django_filters.CharFilter(
        label=_("Search the narratives"),
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        empty_label=_("All countries"),
    )
    objective = django_filters.ModelChoiceFilter(
        label=_("Objective"),
        queryset=Objective.objects.select_related("objective_set").order_by(
            "-objective_set__year", "number"
        ),
        empty_label=_("All objectives"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProgressUpdate.Status.choices, empty_label=_("Any status")
    )
    state = django_filters.ChoiceFilter(
        label=_("Review state"), choices=ProgressUpdate.State.choices, empty_label=_("Any state")
    )
    period = django_filters.ModelChoiceFilter(
        label=_("Reporting period"),
        queryset=ReportingPeriod.objects.select_related("objective_set").order_by("-starts_on"),
        empty_label=_("All periods"),
    )
    author = django_filters.ModelChoiceFilter(
        label=_("Author"),
        queryset=get_user_model().objects.filter(membership__role="official").order_by("username"),
        to_field_name="username",
        empty_label=_("Anyone"),
    )

    class Meta:
        model = ProgressUpdate
        fields = ["q", "country", "objective", "status", "state", "period", "author"]

    def search(self, queryset, name, value):
        """Full-text search over the narratives (PostgreSQL, GIN-indexed)."""
        return queryset.filter(search=SearchQuery(value, config="simple", search_type="websearch"))
