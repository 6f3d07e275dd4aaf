"""JWT bearer tokens from a site's own identity provider (GATEWAY_JWT_*), verified with PyJWT."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from gateway.config.settings import SettingsError, load_settings
from tests.auth_support import bearer, serve
from tests.support import add_article, add_author, gql, ok

SECRET = "s" * 48
QUERY = "{ viewer { role name author { slug } } articles(first: 10) { nodes { title } } }"


@pytest.fixture
def settings_overrides():
    return {
        "jwt_algorithm": "HS256",
        "jwt_key": SECRET,
        "jwt_issuer": "https://id.example.com/",
        "jwt_audience": "content-gateway",
        "jwt_role_claim": "https://example.com/roles",
    }


def token(key=SECRET, algorithm="HS256", **claims):
    now = int(time.time())
    base = {
        "sub": "user-42",
        "iss": "https://id.example.com/",
        "aud": "content-gateway",
        "exp": now + 300,
        "https://example.com/roles": "editor",
    }
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, key, algorithm=algorithm)


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    await add_article(db, "Public story", authors=[ada])
    await add_article(db, "Ada draft", authors=[ada], status="draft")
    await add_article(db, "Other draft", authors=[await add_author(db, "Bob")], status="draft")


async def test_valid_jwt_roles(client, content):
    editor = ok(await gql(client, QUERY, headers=bearer(token())))
    assert editor["viewer"] == {"role": "EDITOR", "name": "jwt:user-42", "author": None}
    assert len(editor["articles"]["nodes"]) == 3
    # a list of roles: the highest known one wins; the author claim links the author record
    author = ok(await gql(client, QUERY, headers=bearer(token(
        **{"https://example.com/roles": ["reader", "author"], "author": "ada-lovelace"}
    ))))  # fmt: skip
    assert author["viewer"]["role"] == "AUTHOR"
    assert author["viewer"]["author"] == {"slug": "ada-lovelace"}
    assert sorted(n["title"] for n in author["articles"]["nodes"]) == ["Ada draft", "Public story"]


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"iss": "https://evil.example.com/"}, "Invalid JWT"),
        ({"aud": "someone-else"}, "Invalid JWT"),
        ({"https://example.com/roles": "superuser"}, "names no gateway role"),
        ({"https://example.com/roles": None}, "names no gateway role"),
        ({"sub": None}, "Invalid JWT"),
        ({"key": "x" * 48}, "Invalid JWT"),  # signed with another secret
    ],
)
async def test_invalid_jwts_are_401(client, content, claims, message):
    claims = dict(claims)  # parametrize shares the dict between backends
    key = claims.pop("key", SECRET)
    result = await gql(client, QUERY, headers=bearer(token(key=key, **claims)))
    assert result.response.status_code == 401, result.body
    assert result.codes == ["UNAUTHENTICATED"] and message in result.errors[0]["message"]


async def test_unsigned_jwt_is_refused(client, content):
    unsigned = jwt.encode({"sub": "x", "exp": int(time.time()) + 60, "role": "admin"}, None,
                          algorithm="none")  # fmt: skip
    result = await gql(client, QUERY, headers=bearer(unsigned))
    assert result.response.status_code == 401


async def test_rs256_public_key(settings, content):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    rs_settings = settings.model_copy(
        update={"jwt_algorithm": "RS256", "jwt_key": SecretStr(public_pem)}
    )
    async with serve(rs_settings) as (_, client):
        good = ok(await gql(client, QUERY, headers=bearer(token(key=private, algorithm="RS256"))))
        assert good["viewer"]["role"] == "EDITOR"
        # an HS256 token "signed" with the public key must not pass (algorithm confusion)
        forged = await gql(client, QUERY, headers=bearer(token(key="k" * 64, algorithm="HS256")))
        assert forged.response.status_code == 401


def test_jwt_settings_are_checked():
    for values, message in (
        ({"jwt_algorithm": "none", "jwt_key": "x" * 64}, "must be one of"),
        ({"jwt_algorithm": "HS256"}, "GATEWAY_JWT_KEY is required"),
        ({"jwt_algorithm": "HS256", "jwt_key": "short"}, "at least 32 bytes"),
        ({"preview_secret": "short"}, "at least 32 bytes"),
    ):
        with pytest.raises(SettingsError, match=message):
            load_settings(_env_file=None, **values)
