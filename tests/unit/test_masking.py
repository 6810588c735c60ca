"""The one masking rule, tested once through both HTTP clients' maskers: a secret echoed back
in any form it may take (JSON-escaped, URL-encoded, base64, another letter case, cut short)
never reaches a message; URL settings are shown without user info or query."""

import base64
import json
from unicodedata import normalize
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusioncharge.errors import ConfigError
from fusioncharge.fusionsolar import replies
from fusioncharge.masking import FRAGMENT, for_third_party, mask, show_url
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


# The masking promise (masking.py) as a relation: any secret, in any form a server may echo
# it in, inside any text, never shows; neither does any 8-character run of one of those forms.

# Printable ASCII but the mask's own "*", so a masked run cannot be mistaken for text.
CHARS = st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="*")
secrets = st.text(CHARS, min_size=8, max_size=40)
around = st.text(CHARS, max_size=20)


def b64_bare(secret: str) -> str:
    return base64.b64encode(secret.encode()).decode().rstrip("=")


ECHO_FORMS = {
    "as is": lambda s: s,
    "JSON-escaped": lambda s: json.dumps(s)[1:-1],
    "URL-encoded": lambda s: quote(s, safe=""),
    "form-encoded": lambda s: quote_plus(s, safe=""),
    "base64": b64_bare,
    "base64url": lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
}


@given(secret=secrets, before=around, after=around, form=st.sampled_from(sorted(ECHO_FORMS)))
def test_any_secret_in_any_form_in_any_text_is_masked(secret, before, after, form):
    shown = ECHO_FORMS[form](secret)
    out = mask(before + shown + after, [secret])
    assert shown.lower() not in out.lower()
    assert "***" in out


@given(secret=secrets, data=st.data())
def test_any_eight_characters_of_a_secret_are_masked(secret, data):
    start = data.draw(st.integers(0, len(secret) - 8))
    piece = secret[start : start + 8]
    out = mask(f"reply cut short: {piece}", [secret])
    assert piece.lower() not in out.lower()


def test_seven_characters_inside_a_secret_are_ordinary_text():
    assert mask("bcdefgh and more", ["abcdefghijkl"]) == "bcdefgh and more"


def test_a_word_that_starts_or_ends_with_four_characters_of_a_secret_is_masked():
    secret = ["abcdefghijkl"]
    assert mask("abcdxyz and more", secret) == "*** and more"
    assert mask("said xyzijkl", secret) == "said ***"
    assert mask("abc and jkl", secret) == "abc and jkl"  # three characters are ordinary text


def test_a_form_encoded_secret_with_spaces_is_masked():
    secret = "my secret pass"
    out = mask("userName=demo&systemCode=my+secret+pass", [secret])
    assert out == "userName=demo&systemCode=***"


def test_a_base64_piece_exactly_one_fragment_long_is_masked():
    """Six bytes encode to exactly 8 base64 characters: the fragment length, not below it."""
    secret = "s3cr3t"
    assert len(b64_bare(secret)) == 8
    assert mask(f"Basic {b64_bare(secret)}", [secret]) == "Basic ***"


def test_a_short_secret_is_masked_whole_in_each_of_its_forms():
    for form in ("a b&c", "a%20b%26c", "a+b%26c"):
        assert mask(f"[{form}]", ["a b&c"]) == "[***]"


def test_no_secret_leaves_the_text_alone():
    assert mask("nothing to hide", [None, ""]) == "nothing to hide"
    assert mask("", ["a-secret-value"]) == ""


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("a b", "a b"),  # as is
        ('é"', 'é"'),  # as is, where no JSON form is the same
        ("é", "\\u00e9"),  # JSON-escaped, ASCII only
        ('é"', 'é\\"'),  # JSON-escaped, as Python's json.dumps(ensure_ascii=False) gives it
        ("a b", "a%20b"),  # URL-encoded
        ("a b", "a+b"),  # form-encoded
    ],
)
def test_each_form_of_a_short_secret_is_masked_whole_and_only_it(secret, shown):
    assert mask(f"[{shown}] and [{shown}]", [secret]) == "[***] and [***]"


def test_overlapping_and_repeated_occurrences_are_all_masked():
    assert mask("aaa", ["aa"]) == "***"
    assert mask("user=a b&c; again a b&c.", ["a b&c"]) == "user=***; again ***."


def test_a_short_secrets_base64_piece_is_ordinary_text():
    """Four base64 characters could be anything: masking them would hide other text."""
    assert mask("id YWJj", ["abc"]) == "id YWJj"


def test_text_whose_lowercase_is_longer_is_masked_in_place():
    """'İ' lowercases to two characters: the positions must still be the text's own."""
    assert mask("İ SECRET-VALUE-123 İ", ["secret-value-123"]) == "İ *** İ"
    assert mask("İ AB", ["ab"]) == "İ ***"


def test_a_message_leaving_aws_names_resources_without_the_account():
    message = (
        "arn:aws:lambda:us-east-1:123456789012:function:poller and "
        "arn:aws:ssm:us-east-1:123456789012:parameter/x; account 123456789012"
    )
    assert for_third_party(message) == "poller and parameter/x; account (account id)"


def test_with_no_secret_to_hide_the_text_is_left_exactly_as_it_was():
    text = 'a\\/b &amp; "caf\u0065\u0301"'  # escapes and a decomposed é: not normalised
    assert mask(text, []) == text
    assert mask(text, [None, ""]) == text


@pytest.mark.parametrize("stored", ["NFC", "NFD", "NFKC"])
@pytest.mark.parametrize("echoed", ["NFC", "NFD", "NFKC"])
def test_a_secret_stored_in_another_unicode_form_is_still_found(stored, echoed):
    """The secret in the secret store and the server's echo of it may be spelt in different
    Unicode forms; a short secret is only ever masked whole, so no fragment saves a miss."""
    short, long = "Zoë5", "Jürgen-Zoë-Müller-7"
    for secret in (short, long):
        text = f"user {normalize(echoed, secret)} ok"
        assert mask(text, [normalize(stored, secret)]) == "user *** ok"


def test_a_secret_with_a_ligature_is_found_where_a_server_spelt_it_out():
    """Servers often compare passwords in NFKC (PRECIS): "ﬁ" comes back as "fi"."""
    assert mask("user fix7 refused", ["\ufb01x7"]) == "user *** refused"
    assert mask("user \ufb01x7 refused", ["\ufb01x7"]) == "user *** refused"


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("acct123456789012", "acct(account id)"),
        ("123456789012abc", "(account id)abc"),
        ("role_123456789012_x", "role_(account id)_x"),
        ("id=123456789012;", "id=(account id);"),
        ("1234567890123 is no account id", "1234567890123 is no account id"),  # 13 digits
        ("12345678901 neither", "12345678901 neither"),  # 11
    ],
)
def test_an_account_id_glued_to_a_word_is_left_out(message, shown):
    assert for_third_party(message) == shown


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("arn:aws:sns:eu-west-1:123456789012:alarms", "alarms"),
        ("arn:aws-cn:s3:::bucket/key", "bucket/key"),  # no region, no account
        ("arn:aws:iam::123456789012:role/poller", "role/poller"),
        ("(arn:aws:sqs:us-east-1:123456789012:failures)", "(failures)"),
    ],
)
def test_an_arn_becomes_its_resource_name(message, shown):
    assert for_third_party(message) == shown


def test_a_base64_echo_is_masked_up_to_the_last_character_the_secret_alone_decides():
    """base64 of 'secret-value-123' and three more bytes: its 22nd character ('w') holds the
    secret's last 4 bits and 2 of the next byte, so it is not the secret's own and shows; the
    21 before it are masked, and the text after shows as it was."""
    echo = base64.b64encode(b"secret-value-123\0\0\0").decode()
    assert echo == "c2VjcmV0LXZhbHVlLTEyMwAAAA=="
    assert mask(f"data {echo} end", ["secret-value-123"]) == "data ***wAAAA== end"
    shifted = base64.b64encode(b"\0secret-value-123\0\0\0").decode()  # one byte in
    assert mask(f"data {shifted} end", ["secret-value-123"]) == "data AH***MAAAA= end"


def test_a_secret_no_longer_than_an_edge_is_masked_where_it_occurs_not_the_word_around_it():
    """The edge rule is against a head start on guessing a longer secret; a secret of
    MIN_EDGE (4) characters or fewer has no head start to give: the secret is masked
    wherever it occurs, and the rest of the word stays readable."""
    assert mask("user demo42 ok", ["demo"]) == "user ***42 ok"
    assert mask("user 42demo ok", ["demo"]) == "user 42*** ok"
    assert mask("an abacus", ["ab"]) == "an ***acus"
    assert mask("user demo4", ["demo4"]) == "user ***"
    assert mask("user demo42 ok", ["demo4"]) == "user *** ok"  # 4 of its 5: an edge


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host/p?q=1", "https://***@host/p?***"),
        ("https://host/p#token", "https://host/p#***"),
        ("https://host/p?", "https://host/p?***"),  # even an empty query is masked
        ("https://@host/p", "https://***@host/p"),
        ("?token=abc", "?***"),
        ("user:pw@host", "***@host"),  # no scheme: the user info is still masked
        ("//user:pw@host/p", "//***@host/p"),  # scheme-relative
        ("://user:pw@host", "://***@host"),  # a scheme lost while pasting
        ("host/path", "host/path"),
        ("https://h/p?q=1\nx", "***"),  # a newline: nothing that could be a credential
    ],
)
def test_a_url_setting_is_shown_with_user_info_and_query_masked(url, shown):
    assert show_url(url) == shown


def test_an_echo_escaped_as_json_or_html_is_masked():
    """A short secret is masked only whole: its `\\/` and HTML-entity spellings must be undone
    first, no fragment of it would be found."""
    assert mask('{"pw": "pa\\/ss"}', ["pa/ss"]) == '{"pw": "***"}'
    assert mask("pw a&amp;b&lt;c ok", ["a&b<c"]) == "pw *** ok"


def test_a_word_ending_like_a_secret_in_another_case_is_masked():
    assert mask("x 99fGHIJ y", ["abcdefGHIJ"]) == "x *** y"
    assert mask("x ABCDe99 y", ["abcdefGHIJ"]) == "x *** y"


def test_a_base64url_echo_is_masked_where_it_differs_from_base64():
    """'?>?' is 'Pz4/' in base64 and 'Pz4_' in base64url: every 8 characters differ."""
    secret = "?>?" * 5
    assert mask("token Pz4_Pz4_Pz4_Pz4_Pz4_ end", [secret]) == "token *** end"
    assert mask("token Pz4/Pz4/Pz4/Pz4/Pz4/ end", [secret]) == "token *** end"


def test_an_arn_cut_before_its_resource_still_hides_the_account():
    message = "arn:aws:sns:eu-west-1:123456789012:"
    assert for_third_party(message) == "arn:aws:sns:eu-west-1:(account id):"
