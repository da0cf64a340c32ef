from commitments import access


def membership(request):
    """The signed-in user's role and country, for the header and navigation."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    member = access.membership_of(user)
    return {
        "current_membership": member,
        "current_role": access.role_of(user),
    }
