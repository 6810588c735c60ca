"""The one masking rule, tested once through both HTTP clients' maskers: a secret echoed back
in any form it may take (JSON-escaped, URL-encoded, base64, another letter case, cut short)
never reaches a message; URL settings are shown without user info or query."""

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from fusioncharge.errors import ConfigError
from fusioncharge.fusionsolar import replies
from fusioncharge.masking import FRAGMENT, mask, show_url
from fusioncharge.settings.environment import load_settings
from fusioncharge.sinks import chargehq_body as body
from fusioncharge.sinks.chargehq import ChargeHqClient

SECRET = 'Zq7/pa"ss+w0rd=&x'  # characters each encoding changes
MASKERS = {
    # What each client puts in its messages when a reply (or an error) may echo a secret.
    "fusionsolar reply excerpt": lambda text, secret: replies.excerpt(text.encode(), [secret]),
    "chargehq error push": lambda text, secret: body.build_body(secret, error=text)["error"],
    "chargehq reply excerpt": lambda text, secret: body.scrub(text, secret),
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def secret_only(encoded: str, prefix_bytes: int, secret_bytes: int) -> str:
    """The base64 characters that only the secret's bytes decide (not the prefix or padding)."""
    return encoded[-(-8 * prefix_bytes // 6) : 8 * (prefix_bytes + secret_bytes) // 6]


RAW = SECRET.encode()
BASIC = b64(b"demo:" + RAW)
URLSAFE = base64.urlsafe_b64encode(b"u" + RAW).decode()
# (text as echoed, the part of it that is the secret in that form)
FORMS = {
    "as is": (SECRET, SECRET),
    "upper case": (SECRET.upper(), SECRET.upper()),
    "lower case": (SECRET.lower(), SECRET.lower()),
    "JSON-escaped": (json.dumps({"systemCode": SECRET}), json.dumps(SECRET)[1:-1]),
    "URL-encoded": ("systemCode=" + quote(SECRET, safe=""), quote(SECRET, safe="")),
    "form-encoded": ("systemCode=" + quote_plus(SECRET), quote_plus(SECRET)),
    "URL-encoded, lower-case hex": (quote(SECRET, safe="").lower(), quote(SECRET, safe="")),
    "base64": (b64(RAW), secret_only(b64(RAW), 0, len(RAW))),
    "base64 inside basic auth": ("Basic " + BASIC, secret_only(BASIC, 5, len(RAW))),
    "base64, url-safe, one byte in": (URLSAFE, secret_only(URLSAFE, 1, len(RAW))),
    "first 8 characters": ("wrong value " + SECRET[:FRAGMENT] + "...", SECRET[:FRAGMENT]),
    "a middle fragment": ("got " + SECRET[5 : 5 + FRAGMENT] + " back", SECRET[5 : 5 + FRAGMENT]),
}


@pytest.mark.parametrize("masker", MASKERS.values(), ids=MASKERS.keys())
@pytest.mark.parametrize(("echo", "secret_part"), FORMS.values(), ids=FORMS.keys())
def test_no_form_of_a_secret_passes(masker, echo, secret_part):
    shown = masker(f"Invalid request: {echo} (echoed)", SECRET)
    assert "***" in shown
    for end in range(FRAGMENT, len(secret_part) + 1):
        piece = secret_part[end - FRAGMENT : end]
        assert piece.lower() not in shown.lower(), f"{piece!r} of the secret in {shown!r}"
    assert shown.startswith("Invalid request:") and "(echoed)" in shown  # the rest is kept


def test_text_without_the_secret_is_left_alone():
    text = "FusionSolar getDevRealKpi answered HTTP 500: the server is abnormal"
    assert mask(text, [SECRET, "x-49cea2c5a4f1943bb301c8582bb0a919"]) == text
    assert mask("the demo account", ["demo"]) == "the *** account"  # a short secret: whole


def test_url_settings_are_shown_without_user_info_or_query():
    assert show_url("https://me:pw@eu5.fusionsolar.huawei.com/x?k=v") == (
        "https://***@eu5.fusionsolar.huawei.com/x?***"
    )
    assert show_url("https://api.chargehq.net/api/public/push-solar-data") == (
        "https://api.chargehq.net/api/public/push-solar-data"
    )
    for name, value in (
        ("FUSIONSOLAR_BASE_URL", "https://me:Hunter2Pass@eu5.fusionsolar.huawei.com"),
        ("CHARGEHQ_PUSH_URL", "http://example.com/push?apiKey=Key0123456789"),
        ("CHARGEHQ_PUSH_URL", "ftp://example.com/push#apiKey=Key0123456789"),
    ):
        with pytest.raises(ConfigError) as caught:
            load_settings({"STATION": "Home", name: value}, require_aws=False)
        message = str(caught.value)
        assert name in message and "***" in message
        assert "Hunter2Pass" not in message and "Key0123456789" not in message


def test_a_chargehq_client_shows_its_url_masked():
    client = ChargeHqClient("https://u:p4ssw0rd@push.example/x?apiKey=K3y", "K3y")
    assert "p4ssw0rd" not in repr(client) and "K3y" not in repr(client)


CODE = "Sys/C0de-kq2&Secret"  # a slash and an ampersand: what Java and HTML escape


@pytest.mark.parametrize(
    "echo",
    [
        CODE.replace("/", "\\/"),  # Java's JSON escaping of "/"
        CODE.replace("&", "&amp;"),  # an HTML entity
        CODE.replace("/", "&#47;").replace("&S", "&#38;S"),  # numeric entities
        "".join(f"&#{ord(c)};" for c in CODE),  # every character an entity
    ],
    ids=["java-slash", "html-amp", "numeric-entities", "all-entities"],
)
@pytest.mark.parametrize("masker", list(MASKERS))
def test_an_escaped_echo_is_masked_after_normalising(masker, echo):
    shown = MASKERS[masker](f"invalid systemCode {echo} for user", CODE)
    assert "C0de" not in shown and "kq2" not in shown, shown


def test_a_decomposed_unicode_echo_is_masked():
    secret = "Pässwört-Geheim-1"
    decomposed = __import__("unicodedata").normalize("NFD", secret)
    assert "Geheim" not in mask(f"echo {decomposed}", [secret])


@pytest.mark.parametrize("cut", [4, 5, 6, 7])
def test_an_echo_of_the_first_or_last_characters_is_masked(cut):
    assert CODE[:cut] not in mask(f'code "{CODE[:cut]}" is wrong', [CODE])
    assert CODE[-cut:] not in mask(f"code ...{CODE[-cut:]} is wrong", [CODE])


@pytest.mark.parametrize(
    "build",
    [
        lambda raw: replies.decode_envelope("login", 200, raw, []),
        lambda raw: replies.decode_envelope("login", 200, b"<html>" + raw, []),
        lambda raw: (_ for _ in ()).throw(
            replies.status_error("login", 500, raw, []) or ValueError()
        ),
    ],
    ids=["json-not-object", "html", "http-500"],
)
def test_a_login_reply_is_never_quoted(build):
    """Even unmasked (no secret given), a login reply's body never reaches a message."""
    raw = json.dumps(["echo", "UnMaskedSystemCode"]).encode()
    with pytest.raises(Exception) as caught:
        build(raw)
    assert "UnMaskedSystemCode" not in str(caught.value)
    assert "not shown" in str(caught.value)
