"""scrub/scrubber.py: every form a secret takes on its way out, including the encodings a client
library applies before it reaches a header, a URL, a log line or an error report."""

from __future__ import annotations

import base64
import json
import os
import re
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modestwear_config.scrub.encoded_forms import union
from modestwear_config.scrub.scrubber import Scrubber
from tests.support.recoverable import recoverable

SECRET = "key-Canary0123456789abcdef"  # Mailgun's keys look like this


def basic(user: str, secret: str, urlsafe: bool = False, padded: bool = True) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    token = encode(f"{user}:{secret}".encode()).decode()
    return token if padded else token.rstrip("=")


@pytest.mark.parametrize("user", ["", "a", "ab", "api", "user", "ab:cd", "ünï"])  # every offset modulo 3
@pytest.mark.parametrize(("urlsafe", "padded"), [(False, True), (True, True), (True, False)])
@pytest.mark.parametrize(
    "template",
    [
        "Authorization: Basic {token}",
        "{{'authorization': 'Basic {token}'}}",  # a frame variable (urllib3's headers)
        "GET /hook?auth={token}&x=1 HTTP/1.1",  # a URL carrying it
        "token={token}.",
        "{token}",
    ],
)
def test_text__base64_of_anything_colon_secret_is_masked(user, urlsafe, padded, template):
    """One provider's key reached a DEBUG page base64-encoded inside an HTTP Basic header a client built."""
    line = template.format(token=basic(user, SECRET, urlsafe, padded))
    scrubbed = Scrubber([SECRET]).text(line)
    assert not recoverable(SECRET, scrubbed), scrubbed


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode().hex(),
        lambda s: s.encode().hex().upper(),
        lambda s: ("api:" + s).encode().hex(),
        lambda s: base64.b64encode(s.encode()).decode(),
        lambda s: base64.b64encode(f"{s}:x".encode()).decode(),  # the secret as the user part
        lambda s: json.dumps({"key": s}),
        lambda s: json.dumps(json.dumps({"key": s})),  # JSON in JSON (a JSON log line of a JSON body)
        lambda s: json.dumps({"key": s}, ensure_ascii=False),
    ],
    ids=["hex", "HEX", "hex-user", "b64", "b64-as-user", "json", "json-in-json", "json-unicode"],
)
@pytest.mark.parametrize("secret", [SECRET, 'Pass"word/é\\9', "ünïcode-sécret"])
def test_text__hex_json_and_base64_forms_are_masked(encode, secret):
    scrubbed = Scrubber([secret]).text(f"request failed: {encode(secret)} (retrying)")
    assert not recoverable(secret, scrubbed), scrubbed


def test_text__basic_credentials_masked_even_when_not_configured():
    """Basic credentials always carry a password (user:password): masked like a URL's password."""
    token = basic("shop", "a-password-nobody-configured")
    assert Scrubber([]).text(f"Authorization: Basic {token}") == "Authorization: Basic ***"
    assert (
        Scrubber([]).text(f"headers={{'Authorization': 'basic {token}'}}") == "headers={'Authorization': 'basic ***'}"
    )
    assert Scrubber([]).text("a Basic idea: Basic training") == "a Basic idea: Basic training"  # not base64 of a:b


def test_text__ordinary_text_is_left_alone():
    text = (
        "GET /static/app.3f2a9c.js 200 uuid=6f1c1e8e-8f5b-4c39-9d6b-0c2a7e6f5a10 "
        "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 Connection refused"
    )
    assert Scrubber([SECRET, "another-Secret-value"]).text(text) == text


def test_html__encoded_forms_masked_too():
    page = f"<td>Basic {basic('api', SECRET)}</td><td>{SECRET.encode().hex()}</td>"
    assert not recoverable(SECRET, Scrubber([SECRET]).html(page))


@settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(
    st.lists(st.text(st.sampled_from("ab\\\\.*()[]|?é-"), min_size=1, max_size=6), max_size=12), st.text(max_size=40)
)
def test_union__a_trie_matches_what_the_flat_longest_first_union_matches(words, text):
    """The scrubber's patterns are tries for speed: the same matches as "longest first" alternation."""
    flat = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    haystack = text + "".join(words) + text
    if not words:
        return
    assert re.sub(union(words), "*", haystack) == re.sub(flat, "*", haystack)


def test_union__a_very_long_secret_still_compiles():
    secret = "".join(chr(0x41 + i % 50) for i in range(20_000))
    assert Scrubber([secret, secret[:-1] + "/"]).text(f"x {secret} y") == "x *** y"


# Percent-encoding as clients write it: quote() gives one spelling (upper-case hex, its own safe set),
# but requests keeps ':@/', some encode every byte, some write lower-case hex ('%2f'). And base64 of
# "<user>:<secret>" for a secret of 6 or 7 bytes (a PIN, a short declared secret), where some offsets
# have no base64 core long enough to search for.
SECRETS = st.text(st.sampled_from("aZ09:/@+ é%-_."), min_size=6, max_size=24).filter(lambda s: s.strip() == s)


def percent_encoded(secret: str, encode: list[bool], lower: bool) -> str:
    out = []
    for character, chosen in zip(secret, encode):
        if chosen or character == "%":  # a literal % is always encoded, or the text would mean another value
            hexes = "".join(f"%{byte:02X}" for byte in character.encode())
            out.append(hexes.lower() if lower else hexes)
        else:
            out.append(character)
    return "".join(out)


@settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(secret=SECRETS, data=st.data(), lower=st.booleans())
def test_text__any_percent_encoding_of_a_secret_is_masked(secret, data, lower):
    encode = data.draw(st.lists(st.booleans(), min_size=len(secret), max_size=len(secret)))
    line = f"GET /callback?code={percent_encoded(secret, encode, lower)}&state=1 HTTP/1.1"
    scrubbed = Scrubber([secret]).text(line)
    assert secret not in unquote(scrubbed), scrubbed


@settings(max_examples=int(os.environ.get("MODESTWEAR_HYPOTHESIS_EXAMPLES", "300")), deadline=None)
@given(
    secret=st.text(st.sampled_from("aZ09-_.!é"), min_size=6, max_size=9),
    user=st.sampled_from(["", "a", "ab", "api", "user"]),
    urlsafe=st.booleans(),
    padded=st.booleans(),
)
def test_text__base64_of_a_short_secret_is_masked(secret, user, urlsafe, padded):
    scrubbed = Scrubber([secret]).text(f"auth={basic(user, secret, urlsafe, padded)};")
    assert not recoverable(secret, scrubbed), scrubbed
