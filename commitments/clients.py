"""Who is asking: the client's address, read through the trusted proxies only."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """The client's address, or None. Behind ``TRUSTED_PROXY_COUNT`` proxies it is the
    entry those proxies added to X-Forwarded-For (counted from the right, so a client
    cannot forge it); otherwise REMOTE_ADDR. Anything that is not an address is ignored."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidates = []
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            candidates.append(hops[-proxies])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
