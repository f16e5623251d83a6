"""schemathesis hooks of the contract run (schemathesis.toml names this file).

An `Idempotency-Key` is one request's: sent again with another path or body, it is refused
with 422 `idempotency_key_reused` (the IETF draft's rule, README "Idempotent retries"), whatever
the schema of the header says, since the rule spans requests. Generated keys are short and
repeat across cases and operations ("0", "00"), so a valid request would be refused for a key
an earlier case used. Here a valid key gets a suffix drawn from its request (method, path,
query, body): keys stay as generated in form, a repeated request keeps its key (and is
replayed), and two different requests never share one. Keys outside the header's pattern are
left as they are: they test the server's refusal of a malformed key.

The coverage phase (and the examples phase, filling what an example leaves out) builds header
values from letters and digits only; for a header whose pattern needs another character (every
`If-Match` has a `*` or a `"`), it finds no value and sends an empty one, which it still counts
as valid. Such an `If-Match` is sent as `*`, the valid value it meant to send (an empty one is
refused, 422 `if_match_format`)."""

import hashlib
import itertools
import re

import schemathesis
from schemathesis.generation import GenerationMode

_SENDINGS = itertools.count()
# The header's pattern in openapi.json (app/idempotency/openapi.py).
_KEY = re.compile(
    r'^(?:"[ !#-\[\]-~]{1,255}"|[!-~]|[!#-~][ -~]{0,253}[!-~]|[!-~][ -~]{0,253}[!#-~])$'
)


def _unique(key: str, request: str) -> str:
    suffix = "." + hashlib.sha256(request.encode()).hexdigest()[:16]
    if len(key) >= 2 and key[0] == key[-1] == '"':
        return '"' + key[1:-1][: 255 - len(suffix)] + suffix + '"'
    return key[: 255 - len(suffix)] + suffix


def _positive(case) -> bool:
    """A case sent as valid data (`positive_data_acceptance` reads the same mode)."""
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    if headers.get("If-Match") == "" and _positive(case):
        headers["If-Match"] = "*"
    name = next((h for h in headers if h.lower() == "idempotency-key"), None)
    if name is None or not isinstance(headers[name], str) or not _KEY.match(headers[name]):
        return
    request = repr((case.method, case.formatted_path, case.query, case.body))
    if (case.media_type or "").startswith("multipart/"):
        # Each sending draws a new boundary, so the same case is other bytes every time: the
        # server compares bytes (README), so a multipart request is never a retry here.
        request += str(next(_SENDINGS))
    headers[name] = _unique(headers[name], request)
