"""The API's OpenAPI schema class. Apart from api_auth: drf-spectacular's AutoSchema reads the
DRF settings, which import the authentication classes."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from accounts.api_auth import FIRM_HEADER, FIRM_HEADER_HELP, ApiTokenAuthentication


class FirmHeaderSchema(AutoSchema):
    """Every operation an API token can call documents the X-Firm header."""

    def get_override_parameters(self):
        params = super().get_override_parameters()
        if any(isinstance(a, ApiTokenAuthentication) for a in self.view.get_authenticators()):
            params = [
                *params,
                OpenApiParameter(
                    FIRM_HEADER,
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=FIRM_HEADER_HELP,
                ),
            ]
        return params
