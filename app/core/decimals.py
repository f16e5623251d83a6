"""Decimal inputs (hours, rates, amounts): a JSON string such as "12.50", whose schema says all
the server checks. A JSON number is a binary float ("0.1 + 0.2" is 0.30000000000000004), so the
document asks for text, and the server refuses numbers as the document does: the contract is
one type, whichever value a number holds."""

import re
from decimal import Decimal
from typing import Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic import Field as Constrained
from pydantic_core import PydanticCustomError

from app.core.models import Rules, quantized


def _below(limit: int) -> str:
    """A regular expression of the integers 0 … limit - 1, written without leading zeros."""
    text = str(limit)
    options = ["0"] if limit > 0 else []
    for shorter in range(1, len(text)):  # every length below the limit's
        options.append("[1-9]" + ("[0-9]" * (shorter - 1)))
    for i, digit in enumerate(text):  # the limit's length: a smaller digit at position i
        low = 1 if i == 0 else 0
        if int(digit) > low:
            top = int(digit) - 1
            first = str(low) if top == low else f"[{low}-{top}]"
            options.append(text[:i] + first + "[0-9]" * (len(text) - i - 1))
    return "(?:" + "|".join(dict.fromkeys(options)) + ")"


def decimal_pattern(digits: int, places: int, *, positive: bool, maximum: int | None) -> str:
    """The JSON Schema pattern of a decimal of at most `digits` digits, `places` of them after
    the point, not negative (above zero when `positive`), at most `maximum`."""
    whole = f"(?:0|[1-9][0-9]{{0,{digits - places - 1}}})"
    fraction = f"(?:\\.[0-9]{{1,{places}}})?"
    head = r"^(?!0(?:\.0+)?$)" if positive else "^"
    if maximum is None:
        return f"{head}{whole}{fraction}$"
    return f"{head}(?:{_below(maximum)}{fraction}|{maximum}(?:\\.0{{1,{places}}})?)$"


def decimal_text(
    *,
    digits: int,
    places: int,
    positive: bool = False,
    maximum: int | None = None,
    example: str,
) -> Rules:
    """The annotations of a decimal input: the text's shape is checked here (a comma gets a hint),
    which bounds its digits and places, the bounds by pydantic (`greater_than`,
    `less_than_equal`, …), and the document's pattern says both at once. (pydantic's own
    `max_digits` and `decimal_places` would count the digits again, in Python, for every value.)"""
    shape = re.compile(f"(?:0|[1-9][0-9]{{0,{digits - places - 1}}})(?:\\.[0-9]{{1,{places}}})?")
    rule = f"at most {digits - places} digits before the point and {places} after it"

    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float):  # JSON's true, false and numbers
            raise PydanticCustomError("decimal_type", 'a decimal is a JSON string such as "12.50"')
        if isinstance(value, Decimal) and value.is_finite():
            # from Python, not JSON: the same shape, trailing zeros aside
            if value < 0 or not shape.fullmatch(format(value.normalize(), "f")):
                raise PydanticCustomError("decimal_format", "a decimal with {rule}", {"rule": rule})
        elif isinstance(value, str):
            if "," in value:
                raise PydanticCustomError(
                    "decimal_comma",
                    'a decimal uses a point, not a comma: "12.50", not "12,50"',
                )
            if not shape.fullmatch(value):
                raise PydanticCustomError(
                    "decimal_format",
                    'a decimal is written like "12.50": digits, an optional point, {rule}',
                    {"rule": rule},
                )
        return value

    bounds: dict[str, Any] = {"gt": 0} if positive else {"ge": 0}
    if maximum is not None:
        bounds["le"] = maximum
    schema = {
        "type": "string",
        "pattern": decimal_pattern(digits, places, positive=positive, maximum=maximum),
        "description": f'A decimal as text, with a point ("12.50"): {rule}',
        "examples": [example],
    }
    return Rules(
        (
            BeforeValidator(check),
            Constrained(**bounds),
            quantized(places),
            WithJsonSchema(schema, mode="validation"),
        )
    )
