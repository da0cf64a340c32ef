"""The application's URLs plus one view that crashes, for the error-page tests."""

from django.urls import path

from commitments import policy
from nadd.urls import urlpatterns as app_urlpatterns


@policy.public
def boom(request):
    raise ZeroDivisionError("secret sauce")


urlpatterns = [path("boom/", boom), *app_urlpatterns]
