"""The claims of the test identity provider, from its users: e-mail and names, the user's
groups in ``groups``, except groups named ``amr:<value>``, which become the ``amr`` claim (how
the person logged in, RFC 8176); without one the provider says "pwd" (password only)."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    # Every claim below goes out whatever the scope (the provider of a municipality is
    # configured the same way for its own applications).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        names = list(user.groups.order_by("name").values_list("name", flat=True))
        amr = [name.removeprefix("amr:") for name in names if name.startswith("amr:")]
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": [name for name in names if not name.startswith("amr:")],
            "amr": amr or ["pwd"],
        }
