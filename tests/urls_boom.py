"""The application's URLs plus one view that crashes, for the error-page tests."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from nadd.urls import urlpatterns as app_urlpatterns


@login_not_required
def boom(request):
    raise ZeroDivisionError("secret sauce")


urlpatterns = [path("boom/", boom), *app_urlpatterns]
