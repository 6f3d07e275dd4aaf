"""Shared helpers of the locale tests: translation mutations and a translated arrangement."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import gql, ok

ERRORS = """... on MutationError { message } ... on ValidationError { fields { path code } }
  ... on NotFoundError { id }"""
SET = f"""mutation($input: SetTranslationInput!) {{ setTranslation(input: $input) {{
  __typename ... on TranslationSaved {{ locale changedPaths
    node {{ ... on Category {{ name slug path description }} ... on Tag {{ name slug path }}
            ... on Author {{ name slug path bio }} }} }} {ERRORS} }} }}"""
REMOVE = f"""mutation($input: RemoveTranslationInput!) {{ removeTranslation(input: $input) {{
  __typename ... on TranslationSaved {{ locale changedPaths
    node {{ ... on Category {{ name slug path }} }} }} {ERRORS} }} }}"""


async def mutate(
    client: httpx.AsyncClient, headers: dict[str, str] | None, document: str, input_: Any
) -> Any:
    return next(iter(ok(await gql(client, document, {"input": input_}, headers=headers)).values()))
