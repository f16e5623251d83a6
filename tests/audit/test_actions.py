"""The registry of audit actions (`AuditAction`, app/audit/models.py) is the whole set the code
records: every action written in the code, literally or composed from a verb, is registered,
every registered action is written somewhere, and `record` refuses any other before writing
anything."""

import ast
import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.apld.models import AgreementOutcome, DocumentKind, RenewalOutcome
from app.audit.models import AuditAction, ResourceType, UnknownAuditAction
from app.audit.service import record
from app.authorizations.models import Outcome
from app.core.principal import Principal
from app.habilitations.models import HabilitationStatus

APP = Path(__file__).resolve().parents[2] / "app"
ACTOR = Principal(uuid.uuid4(), uuid.uuid4(), "owner", frozenset())
AT = datetime(2020, 4, 1, tzinfo=UTC)

# The verbs that come from a value rather than a literal: the expression, and what it can be.
DYNAMIC = {
    "data.outcome": [o.value for o in Outcome],  # decisions of requests and amendments
    "target.value": [s.value for s in HabilitationStatus if s != HabilitationStatus.not_requested],
    # by module where the same expression means different things
    "apld/filing.py:data.outcome.value": [o.value for o in AgreementOutcome],
    "apld/renewals.py:data.outcome.value": [o.value for o in RenewalOutcome],
    "apld/service.py:f'{kind.value}_document_attached'": [
        f"{k.value}_document_attached" for k in DocumentKind
    ],
}


def _modules() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(APP)): ast.parse(p.read_text(encoding="utf-8")) for p in APP.rglob("*.py")
    }


def _functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]


def _file(module: str) -> str | None:
    path = module.replace(".", "/").removeprefix("app/")
    for name in (f"{path}.py", f"{path}/__init__.py"):
        if (APP / name).exists():
            return name
    return None


def _imports(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (file, function) for `from app.x import f`, (file, None) for a module."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
            for alias in node.names:
                local = alias.asname or alias.name
                module = _file(f"{node.module}.{alias.name}")
                if module is not None:
                    names[local] = (module, None)
                elif (source := _file(node.module or "")) is not None:
                    names[local] = (source, alias.name)
    return names


class Code:
    """The app's modules, and which function a call calls."""

    def __init__(self) -> None:
        self.modules = _modules()
        self.imports = {path: _imports(tree) for path, tree in self.modules.items()}
        self.defs = {
            (path, fn.name): fn for path, tree in self.modules.items() for fn in _functions(tree)
        }

    def callee(self, path: str, call: ast.Call) -> tuple[str, str] | None:
        func, imports = call.func, self.imports[path]
        if isinstance(func, ast.Name):
            if (path, func.id) in self.defs:
                return path, func.id
            source, name = imports.get(func.id, ("", None))
            return (source, name) if name else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            source, name = imports.get(func.value.id, ("", "x"))
            return (source, func.attr) if name is None else None
        return None

    def verbs(self, target: tuple[str, str], param: str, seen: set) -> set[str]:
        """Every verb a parameter of a function is given by its callers, followed through the
        callers that pass a parameter of their own on."""
        if (target, param) in seen:
            return set()
        seen.add((target, param))
        index = _params(self.defs[target]).index(param)
        verbs: set[str] = set()
        for (path, _), fn in self.defs.items():
            for call in ast.walk(fn):
                if not isinstance(call, ast.Call) or self.callee(path, call) != target:
                    continue
                given = [k.value for k in call.keywords if k.arg == param]
                given += call.args[index : index + 1]
                assert given, f"a call of {target} without its {param}"
                verbs |= self.resolve(path, fn, given[0], seen)
        assert verbs, f"nothing calls {target}"
        return verbs

    def resolve(self, path: str, fn, expr: ast.expr, seen: set) -> set[str]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        text = ast.unparse(expr)
        if f"{path}:{text}" in DYNAMIC:
            return set(DYNAMIC[f"{path}:{text}"])
        if text in DYNAMIC:
            return set(DYNAMIC[text])
        if isinstance(expr, ast.Name) and expr.id in _params(fn):
            return self.verbs((path, fn.name), expr.id, seen)
        if isinstance(expr, ast.Name):  # a local unpacked from tuples: their literals
            values: set[str] = set()
            for assign in ast.walk(fn):
                if not isinstance(assign, ast.Assign):
                    continue
                target = assign.targets[0]
                if not isinstance(target, ast.Tuple):
                    continue
                names = [e.id if isinstance(e, ast.Name) else "" for e in target.elts]
                if expr.id not in names:
                    continue
                for node in ast.walk(assign.value):
                    if isinstance(node, ast.Tuple) and len(node.elts) == len(names):
                        value = node.elts[names.index(expr.id)]
                        if isinstance(value, ast.Constant):
                            values.add(value.value)
            if values:
                return values
        raise AssertionError(f"cannot tell which verbs {text} in {path}:{fn.name} can be")


def written_actions() -> set[str]:
    """The actions the code can record: literals that look like one, and every f-string
    `<resource type>.{verb}` with each verb it can be given."""
    code = Code()
    kinds = {k.value for k in ResourceType}
    actions: set[str] = set()
    for (path, _), fn in code.defs.items():
        if True:
            for node in ast.walk(fn):
                # A literal given as `action=` or heading a tuple (`(action, before, after)`).
                literals = []
                if isinstance(node, ast.Call):
                    literals = [k.value for k in node.keywords if k.arg == "action"]
                elif isinstance(node, ast.Tuple) and node.elts:
                    head = node.elts[0]
                    if isinstance(head, ast.Constant) and str(head.value).split(".")[0] in kinds:
                        literals = [head]
                for literal in literals:
                    if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                        actions.add(literal.value)
                if not isinstance(node, ast.JoinedStr) or len(node.values) != 2:
                    continue
                head, tail = node.values
                if not (isinstance(head, ast.Constant) and isinstance(tail, ast.FormattedValue)):
                    continue
                kind, dot, rest = str(head.value).partition(".")
                if kind in kinds and dot and not rest:
                    verbs = code.resolve(path, fn, tail.value, set())
                    actions |= {f"{kind}.{verb}" for verb in verbs}
    return actions


def test_every_action_the_code_writes_is_registered_and_every_registered_one_is_written():
    written = written_actions()
    registered = {a.value for a in AuditAction}
    assert written - registered == set(), "recorded but not registered"
    assert registered - written == set(), "registered but never recorded"


def test_each_action_names_a_resource_type():
    assert {a.value.split(".")[0] for a in AuditAction} == {k.value for k in ResourceType}


@pytest.mark.parametrize(
    ("action", "resource_type"),
    [("claim.teleported", "claim"), ("claim.filed", "invoice"), ("claim.filed", "claw_back")],
)
def test_record_refuses_what_is_not_registered_before_writing_anything(action, resource_type):
    # No session to write to: a refusal that came after any write would fail otherwise.
    with pytest.raises(UnknownAuditAction):
        asyncio.run(
            record(
                None,  # type: ignore[arg-type]
                ACTOR,
                action=action,
                resource_type=resource_type,
                resource_id=uuid.uuid4(),
                at=AT,
            )
        )
