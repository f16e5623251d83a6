"""The route class of every router: query parameters and form fields get the same check as the
texts of JSON bodies (InputModel): no control character, which PostgreSQL would refuse (NUL)
or that no name or text needs."""

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Depends, Request, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile

from app.core.models import control_character


def _error(location: str, field: str, char: str) -> dict[str, Any]:
    return {
        "type": "control_character",
        "loc": (location, field),
        "msg": f"contains the control character {char}: only tab and line breaks are allowed",
        "input": None,  # never echoed back
    }


async def plain_text_inputs(request: Request) -> None:
    """Runs once FastAPI has read the route's form (the same Request, its form cached), and
    before the route's own dependencies; a refusal is a 422 like any invalid field, after the
    token check (app.problems)."""
    route = request.scope.get("route")
    names = getattr(route, "query_names", ())
    errors = [
        _error("query", key, char)
        for key, value in request.query_params.multi_items()
        if key in names and (char := control_character(value))
    ]
    if getattr(route, "reads_form", False):
        form = await request.form()
        for key, value in form.multi_items():
            text = (value.filename or "") if isinstance(value, UploadFile) else value
            if char := control_character(text):
                errors.append(_error("body", key, char))
    if errors:
        raise RequestValidationError(errors)


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class CheckedRoute(APIRoute):
    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        dependencies: Sequence[params.Depends] | None = None,
        **kwargs: Any,
    ) -> None:
        checked = [Depends(plain_text_inputs), *(dependencies or ())]
        super().__init__(path, endpoint, dependencies=checked, **kwargs)
        # The parameters the route reads: others are ignored, like FastAPI ignores them.
        self.query_names = _query_names(self.dependant)
        body = self.body_field
        self.reads_form = body is not None and isinstance(body.field_info, params.Form)
