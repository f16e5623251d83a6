"""schemathesis hooks of the contract run (schemathesis.toml names this file).

An `Idempotency-Key` is one request's: sent again with another path or body, it is refused
with 422 `idempotency_key_reused` (the IETF draft's rule, README "Idempotent retries"), whatever
the schema of the header says, since the rule spans requests. Generated keys are short and
repeat across cases and operations ("0", "00"), so a valid request would be refused for a key
an earlier case used. Here a valid key gets a suffix drawn from its request (method, path,
query, body, and its other headers: the server's fingerprint is of the body alone, so a request
that differs from an earlier one by an `If-Match` alone would be answered the earlier one's
stored answer): keys stay as generated in form, a repeated request keeps its key (and is
replayed), and two different requests never share one. Keys outside the header's pattern are
left as they are: they test the server's refusal of a malformed key.

The coverage phase (and the examples phase, filling what an example leaves out) builds header
values from letters and digits only; for a header whose pattern needs another character (every
`If-Match` has a `*` or a `"`), it finds no value and sends an empty one, which it still counts
as valid. Such an `If-Match` is sent as `*`, the valid value it meant to send (an empty one is
refused, 422 `if_match_format`).

Ids: a generated UUID names no resource, so every operation on `/{id}` would answer 404. In the
examples, coverage and fuzzing phases, a case whose path is valid data is sent to the resource
the driver seeded for that operation (scripts/schemathesis_seed.py, `APART_FUZZ_IDS`): its own
one for an operation that moves or removes it, a shared one for the others. Paths generated as
invalid data stay as they are (the server must refuse them), and so do the stateful phase's,
whose ids come from the links it follows. (schemathesis.toml's `parameters` would not do: its
values also replace the ids the stateful phase takes from links, and fix the parameter, so that
no invalid path would be sent.)"""

import hashlib
import itertools
import json
import os
import re

import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import TestPhase

# Headers left out of a request's identity: the key itself, and the token (the same throughout).
_SAME = {"idempotency-key", "authorization"}
_IDS = json.loads(os.environ.get("APART_FUZZ_IDS") or '{"defaults": {}, "operations": {}}')

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


def _seeded_path(case) -> None:
    meta = case.meta
    if meta is None or meta.phase.name == TestPhase.STATEFUL or not case.path_parameters:
        return
    path = meta.components.get(ParameterLocation.PATH)
    if path is None or path.mode != GenerationMode.POSITIVE:
        return
    own = _IDS["operations"].get(case.operation.definition.raw.get("operationId"), {})
    for name in case.path_parameters:
        seeded = own.get(name) or _IDS["defaults"].get(name)
        if seeded is not None:
            case.path_parameters[name] = seeded


@schemathesis.hook
def before_call(context, case, kwargs):
    _seeded_path(case)
    headers = case.headers or {}
    if headers.get("If-Match") == "" and _positive(case):
        headers["If-Match"] = "*"
    name = next((h for h in headers if h.lower() == "idempotency-key"), None)
    if name is None or not isinstance(headers[name], str) or not _KEY.match(headers[name]):
        return
    others = sorted((k, repr(v)) for k, v in headers.items() if k.lower() not in _SAME)
    request = repr((case.method, case.formatted_path, case.query, case.body, others))
    if (case.media_type or "").startswith("multipart/"):
        # Each sending draws a new boundary, so the same case is other bytes every time: the
        # server compares bytes (README), so a multipart request is never a retry here.
        request += str(next(_SENDINGS))
    headers[name] = _unique(headers[name], request)
