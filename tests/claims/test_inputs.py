"""Claim inputs take ASCII digits only: python-stdnum and Unicode-aware patterns would take
fullwidth or other scripts' digits as the same number (one employee as two, R22)."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.claims.models import ClaimCreate, LineInput

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
LINE = {
    "employee_ref": "E1",
    "employee_name": "Marie Curie",
    "contract_hours": "151.67",
    "hours_not_worked": "80",
    "hourly_rate": "12.50",
}


def error_types(exc: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(map(str, e["loc"])), e["type"]) for e in exc.errors()]


def test_a_nir_in_fullwidth_digits_is_invalid():
    assert LineInput.model_validate({**LINE, "nir": "1 85 05 78 006 084 91"}).nir
    with pytest.raises(ValidationError) as raised:
        LineInput.model_validate({**LINE, "nir": "1 85 05 78 006 084 91".translate(FULLWIDTH)})
    assert error_types(raised.value) == [("nir", "nir_invalid")]


def test_a_month_in_fullwidth_digits_is_refused():
    with pytest.raises(ValidationError) as raised:
        ClaimCreate.model_validate({"month": "2020-06".translate(FULLWIDTH), "lines": [LINE]})
    assert [loc for loc, _ in error_types(raised.value)] == ["month"]


def test_a_nir_with_dots_is_invalid_as_the_document_pattern_says():
    # python-stdnum's own cleaning drops dots; the document's pattern allows spaces only
    with pytest.raises(ValidationError) as raised:
        LineInput.model_validate({**LINE, "nir": "1.85.05.78.006.084.91"})
    assert error_types(raised.value) == [("nir", "nir_invalid")]


def test_corsican_nirs_take_their_key_from_19_and_18():
    assert LineInput.model_validate({**LINE, "nir": "1 85 05 2A 006 084 35"}).nir
    with pytest.raises(ValidationError):
        LineInput.model_validate({**LINE, "nir": "1 85 05 2A 006 084 36"})


def test_a_decimal_from_python_keeps_the_digit_limits():
    assert LineInput.model_validate({**LINE, "hourly_rate": Decimal("12.5000")}).hourly_rate
    with pytest.raises(ValidationError) as raised:
        LineInput.model_validate({**LINE, "hourly_rate": Decimal("12.50001")})
    assert error_types(raised.value) == [("hourly_rate", "decimal_format")]
