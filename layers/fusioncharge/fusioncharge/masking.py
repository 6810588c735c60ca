"""The one rule that keeps secrets out of text. Three paths apply it: FusionSolar's replies
(fusionsolar/replies.py), the receivers' replies (sinks/http.py) and the error a run tells the
receivers (run/poll.py).

A server may echo a secret back in any form it handled it in, so besides the secret itself its
JSON-escaped, URL-encoded and base64 forms are masked, in any letter case, and so is any run of
FRAGMENT characters of any of them (a reply cut short, or a secret inside a longer value). A
word that starts or ends like a secret (MIN_EDGE characters or more) is masked too: an echo of
the first 7 characters is a head start on guessing it. Text is normalised first (Java's `\\/`,
HTML entities, Unicode NFC), so no escaping of its own carries a secret past the mask; a secret
is sought in NFC and in NFKC (a server comparing passwords in NFKC echoes "ﬁ" as "fi"). URL
settings are shown with their user info and query masked: either may carry a credential.
"""

import base64
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
FRAGMENT = 8  # characters: any run this long of a secret (in any of its forms) is masked
MIN_EDGE = 4  # characters: a word starting or ending with this much of a secret is masked
# Anything up to the first "//" is the scheme ("https://", "//", a pasted "://"): the user info
# after it is masked whatever came before.
_URL = re.compile(r"^(?P<scheme>[^/?#@]*//)?(?P<user>[^/?#]*@)?(?P<rest>[^?#]*)(?P<tail>[?#].*)?$")


def normalised(text: str) -> str:
    """`\\/` as `/`, HTML entities as their characters, Unicode NFC: one spelling to mask."""
    return unicodedata.normalize("NFC", html.unescape(text.replace("\\/", "/")))


# One pass that builds every pattern and marks every hit; make mutate names its surviving
# mutants by this function (tools/mutation/equivalent.toml): split it with a mutation run.
def mask(text: str, secrets: Iterable[str | None]) -> str:  # noqa: C901, PLR0912
    """`text` (normalised) with every form of each secret, any FRAGMENT characters of one, and
    a word that starts or ends with MIN_EDGE of one, as ***."""
    given = [s for s in secrets if s]
    forms = (unicodedata.normalize(f, s) for s in given for f in ("NFC", "NFKC"))
    wanted = dict.fromkeys(forms)  # each form once, in order
    if wanted and text:
        text = normalised(text)
    windows: set[str] = set()
    whole: set[str] = set()
    edges: set[str] = set()
    for secret in wanted:
        for cut in range(MIN_EDGE, min(FRAGMENT, len(secret))):
            edges.update({secret[:cut].lower(), secret[-cut:].lower()})
        for form, short_ok in _forms(secret):
            if len(form) >= FRAGMENT:
                ends = range(FRAGMENT, len(form) + 1)
                windows.update(form[end - FRAGMENT : end].lower() for end in ends)
            elif short_ok and form:
                whole.add(form.lower())
    if not (windows or whole) or not text:
        return text
    low = _lower_same_length(text)
    hit = bytearray(len(text))
    for word in re.finditer(r"[^\s\"'<>(),;:=]+", low):
        token = word.group()
        if any(token.startswith(e) or token.endswith(e) for e in edges):
            hit[word.start() : word.end()] = b"\1" * len(token)
    if windows:
        for i in range(len(low) - FRAGMENT + 1):
            if low[i : i + FRAGMENT] in windows:
                hit[i : i + FRAGMENT] = b"\1" * FRAGMENT
    for piece in whole:
        start = low.find(piece)
        while start != -1:
            hit[start : start + len(piece)] = b"\1" * len(piece)
            start = low.find(piece, start + 1)
    return _replace_runs(text, hit)


def show_url(value: str) -> str:
    """A URL setting as it may be printed: user info and query (or fragment) masked."""
    match = _URL.match(value)
    if match is None:  # a newline or the like: show nothing that could be a credential
        return MASK
    user = f"{MASK}@" if match["user"] else ""
    tail = f"{match['tail'][0]}{MASK}" if match["tail"] else ""
    return f"{match['scheme'] or ''}{user}{match['rest']}{tail}"


def _forms(secret: str) -> list[tuple[str, bool]]:
    """(form, whether it is masked even when shorter than FRAGMENT). A short secret is masked
    whole as before; its base64 pieces are too short to tell apart from other text."""
    forms = [
        (secret, True),
        (json.dumps(secret)[1:-1], True),
        (json.dumps(secret, ensure_ascii=False)[1:-1], True),
        (quote(secret, safe=""), True),
        (quote_plus(secret, safe=""), True),
    ]
    raw = secret.encode()
    for skip in range(3):  # the secret may start at any byte of a 3-byte base64 group
        for encode in (base64.standard_b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * skip + raw).decode().rstrip("=")
            # Only the characters the secret's bytes alone decide.
            first, last = -(-8 * skip // 6), 8 * (skip + len(raw)) // 6
            forms.append((encoded[first:last], False))
    return forms


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _replace_runs(text: str, hit: bytearray) -> str:
    out, end = [], 0
    for run in re.finditer(rb"\x01+", hit):
        out += [text[end : run.start()], MASK]
        end = run.end()
    return "".join([*out, text[end:]])


_ARN = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:\d*:([^\s,;'\"()]+)")
_ACCOUNT_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")


def for_third_party(message: str) -> str:
    """A message as it may leave AWS: an ARN becomes its resource name (an ARN holds the
    AWS account id), and any other account id is left out."""
    message = _ARN.sub(lambda m: m.group(1).rsplit(":", 1)[-1], message)
    return _ACCOUNT_ID.sub("(account id)", message)
