"""The countries: their list, and each one's page with its reports and what needs its action."""

from django.db.models import F, Func, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from commitments import fragments, policy
from commitments.matrix import CountryLatest
from commitments.models import Country, Membership, ProgressUpdate
from commitments.pagination import PAGE_SIZE, page_of_rows
from commitments.views.overview import year_unknown


@policy.requires(policy.has_role)
@policy.methods("GET")
def country_list(request):
    # Subqueries, not joins: joining officials and updates would multiply the rows. The
    # date of the latest publication is one index probe per country, where a count
    # of a country's updates read every one of them (65 ms at a million) and counted
    # drafts its reader may not see.
    countries = Country.objects.annotate(
        official_count=count_of(Membership.objects.filter(country=OuterRef("pk"))),
        latest_published=Subquery(  # one probe of upd_cty_published per country
            ProgressUpdate.objects.last_published_first()
            .filter(country=OuterRef("pk"))
            .values("published_at")[:1]
        ),
    )
    return render(request, "commitments/country_list.html", {"countries": countries})


def count_of(queryset):
    """A correlated ``COUNT(*)`` subquery."""
    return Coalesce(Subquery(queryset.order_by().values(n=Func(F("pk"), function="COUNT"))[:1]), 0)


@policy.requires(policy.has_role)
@policy.methods("GET")
def country_detail(request, code):
    country = get_object_or_404(Country, code=code.upper())
    latest = CountryLatest(country, request)
    if latest.frame.unknown_year:  # reference data, cached: no query once kept
        return year_unknown(request, latest.frame)
    updates = policy.readable_updates(request.user).filter(country=country)
    own = policy.may_act_for(request.user, country)
    needing_action = None
    if own:
        # A country may hold many drafts: each drawn once per row version.
        editable = policy.editable_updates(request.user)
        needing_action = fragments.fill_rows(
            request,
            editable.returned_first().only("pk", "version")[:PAGE_SIZE],
            "action-item",
            editable.select_related("objective", "country", "period", "author"),
        )
    context = {
        "country": country,
        "own": own,
        "needing_action": needing_action,
        # Read only when its cached fragment is missing.
        "latest": latest,
        "page": page_of_rows(
            request,
            updates.newest_first(),
            "update-card-with-objective",
            updates.select_related("objective", "country", "period", "author"),
        ),
        "meetings": country.meetings.order_by("-start_date"),
    }
    return render(request, "commitments/country_detail.html", context)
