from allauth.account.adapter import DefaultAccountAdapter


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin (or `rapport createuser`), never by sign-up."""

    def is_open_for_signup(self, request):
        return False
