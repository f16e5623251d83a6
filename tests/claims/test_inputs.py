"""Claim inputs take ASCII digits only: python-stdnum and Unicode-aware patterns would take
fullwidth or other scripts' digits as the same number (one employee as two, R22)."""

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
