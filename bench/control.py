"""The sandbox control API (ARCHITECTURE.md, "The sandbox contract"): fixed JSON endpoints under
`/sandbox/<provider>/_control/` that play the developer portal, the firm's people and the test
harness. Not a provider API: these calls are never counted."""

from dataclasses import dataclass

import requests

# Seeding the reference firm runs inside one request; give it time on a slow disk.
TIMEOUT = 600


class ControlError(RuntimeError):
    pass


@dataclass(frozen=True)
class Control:
    base: str  # the server, e.g. http://127.0.0.1:8123

    def url(self, provider: str, endpoint: str) -> str:
        return f"{self.base}/sandbox/{provider}/_control/{endpoint}"

    def post(self, provider: str, endpoint: str, payload: dict | None = None) -> dict:
        response = requests.post(self.url(provider, endpoint), json=payload or {}, timeout=TIMEOUT)
        return self._body(response, provider, endpoint)

    def get(self, provider: str, endpoint: str) -> dict:
        response = requests.get(self.url(provider, endpoint), timeout=TIMEOUT)
        return self._body(response, provider, endpoint)

    def counters(self, provider: str) -> dict:
        return self.get(provider, "counters")

    @staticmethod
    def _body(response: requests.Response, provider: str, endpoint: str) -> dict:
        if response.status_code >= 300:
            raise ControlError(
                f"Sandbox {provider} {endpoint}: {response.status_code} {response.text[:300]}"
            )
        return response.json()
