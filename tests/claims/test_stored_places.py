"""Claim lines reach PostgreSQL as JSON text (app/claims/writes.py), without the decimal
columns' own rounding: every value must already have its column's places, or the database
would round it its own way (half away from zero) where the API rounds half up."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.claims import rules
from app.claims.models import ClaimLine, LineInput
from app.db import DecimalType
from app.legal.table import Regime

_SCALES = {
    c.key: c.type.scale
    for c in ClaimLine.__table__.c  # type: ignore[attr-defined]
    if isinstance(c.type, DecimalType)
}


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _text(low: int, high: int, places: int) -> st.SearchStrategy[str]:
    return st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False).map(
        lambda d: format(d, "f")
    )


@settings(max_examples=150, deadline=None)
@given(
    month=st.sampled_from(
        [date(2020, 4, 1), date(2020, 12, 1), date(2021, 5, 1), date(2022, 6, 1)]
    ),
    regime=st.sampled_from(list(Regime)),
    contract=_text(100, 200, 2),
    rate=_text(1, 999, 4),
    net=_text(1, 999, 4),
    share=st.decimals(0, 1, places=2),
    category=st.sampled_from(["standard", "part_time", "apprentice"]),
)
def test_every_stored_decimal_of_a_line_has_its_columns_places(
    month, regime, contract, rate, net, share, category
):
    hours = (Decimal(contract) * share).quantize(Decimal("0.01"))
    line = LineInput.model_validate(
        {
            "employee_ref": "E1",
            "employee_name": "A",
            "category": category,
            "contract_hours": contract,
            "hours_not_worked": format(hours, "f"),
            "hourly_rate": rate,
            "usual_net_hourly_pay": net,
            "net_pay_for_hours_worked": "800.5",
        }
    )
    detail = rules.line_details(month, [line], regime)[0]
    row = {**line.model_dump(), **rules.detail_columns(detail)}
    for key, scale in _SCALES.items():
        if row.get(key) is not None:
            assert _places(row[key]) <= scale, (key, row[key])
