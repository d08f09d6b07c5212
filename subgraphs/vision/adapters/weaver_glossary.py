"""Glossary terms read from Weaver's GraphQL API with the caller's token, for NL→pivot prompts.

Vision stores only term ids (`linkCubeTerm`); names and synonyms are read when a question is asked, so an edit in
the glossary is seen at once. The call carries the caller's own bearer token: Weaver scopes it to their tenant;
it is signed like the gateway's calls (GATEWAY_SHARED_SECRET), since a production Weaver accepts no other.
It is a cold path (one request per question, next to a language model call that takes far longer).
"""

from __future__ import annotations

import logging

from axiom.gateway_request import GatewayRequestSigner
from subgraphs.vision.nl.prompt import TermHint

log = logging.getLogger(__name__)


_TERMS_QUERY = (
    "query VisionTermHints($r: [_Any!]!) "
    "{ _entities(representations: $r) { ... on GlossaryTerm { id name synonyms } } }"
)


class GlossaryUnavailable(Exception):
    """Weaver could not be asked, or answered with something other than the terms."""


class GlossaryClient:
    """Reads terms by id from the Weaver subgraph at WEAVER_URL."""

    def __init__(self, weaver_url: str, timeout_seconds: float, signer: GatewayRequestSigner | None = None):
        import httpx  # only askPivot needs it: keep it off the import path of the app

        self.url = weaver_url
        self._signer = signer
        self._client = httpx.AsyncClient(timeout=timeout_seconds)

    async def close(self) -> None:
        await self._client.aclose()

    async def terms(self, term_ids: list[str], *, authorization: str | None) -> dict[str, TermHint]:
        """Term id → name and synonyms; terms unknown to the caller's tenant are left out."""
        import httpx

        ids = list(dict.fromkeys(term_ids))
        if not ids:
            return {}
        # Weaver's entity resolver is the contract for other subgraphs: an unknown term (deleted, or of
        # another tenant) is a null entry, not an error that would void the whole answer.
        variables = {"r": [{"__typename": "GlossaryTerm", "id": term_id} for term_id in ids]}
        headers = {"authorization": authorization} if authorization else {}
        if self._signer is not None:
            headers[self._signer.header] = self._signer.new(headers)
        try:
            response = await self._client.post(
                self.url, json={"query": _TERMS_QUERY, "variables": variables}, headers=headers
            )
        except httpx.HTTPError as exc:
            raise GlossaryUnavailable(f"Weaver is unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise GlossaryUnavailable(f"Weaver answered HTTP {response.status_code}")
        try:
            entities = response.json()["data"]["_entities"]
            return {term["id"]: TermHint(term["name"], tuple(term["synonyms"])) for term in entities if term}
        except (ValueError, KeyError, TypeError) as exc:
            raise GlossaryUnavailable(f"Weaver's answer holds no terms: {response.text[:200]}") from exc


async def member_hints(
    client: GlossaryClient | None, links: dict[str, str], *, authorization: str | None
) -> dict[str, TermHint]:
    """Member → its linked term's name and synonyms; empty (and logged) when Weaver cannot be asked."""
    if client is None or not links:
        return {}
    try:
        terms = await client.terms(list(links.values()), authorization=authorization)
    except GlossaryUnavailable as exc:
        log.warning("glossary synonyms left out of the prompt: %s", exc)
        return {}
    return {member: terms[term_id] for member, term_id in links.items() if term_id in terms}
