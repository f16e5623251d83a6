"""The value types of claim inputs (R22): NIR, month, hours, rates and money as the API
reads them, each with its rule and the pattern the document shows."""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints
from pydantic import Field as Constrained
from pydantic_core import PydanticCustomError
from stdnum.fr import nir as stdnum_nir

from app.core.decimals import decimal_text
from app.core.models import FIRST_YEAR, LAST_YEAR, SPACE, trimmed

# 13 characters (2A/2B for Corsica's departments) and the 2-digit key, ASCII only: python-stdnum
# alone would also take other scripts' digits (fullwidth ７) and dots, which the document's
# pattern refuses.
_NIR_SHAPE = re.compile("[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{8}")


def _check_nir(value: str) -> str:
    compact = value.replace(" ", "").upper()
    # the shape here, the key by python-stdnum (its `is_valid` cleans the text again first)
    if not _NIR_SHAPE.fullmatch(compact) or stdnum_nir.calc_check_digits(compact) != compact[13:]:
        # The value itself is personal data: it is never echoed back (R22).
        raise PydanticCustomError("nir_invalid", "not a valid social security number (NIR)")
    return compact


def _check_month(value: str) -> str:
    try:
        day = date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise PydanticCustomError("month_format", "a month is written YYYY-MM") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PydanticCustomError(
            "month_out_of_range", f"a month is between {FIRST_YEAR}-01 and {LAST_YEAR}-12"
        )
    return value


Nir = Annotated[
    str,
    BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
    AfterValidator(_check_nir),
    # 13 digits (2A/2B for Corsica) and a 2-digit key, spaces allowed between them.
    Constrained(json_schema_extra={"pattern": f"^{SPACE}*[0-9](?: *[0-9ABab]){{14}}{SPACE}*$"}),
]
Month = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$"),
    AfterValidator(_check_month),
    Constrained(
        examples=["2020-04"],
        # What _check_month accepts, said in the document: a real month of 2000–2100.
        json_schema_extra={"pattern": r"^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])$"},
    ),
]
HoursValue = Annotated[Decimal, decimal_text(digits=6, places=2, maximum=744, example="151.67")]
# At most 999.9999 € an hour: with the indemnity on the uncapped rate in 2020 (R23), 2,000 lines
# of 744 h each keep every amount and total within the 12 digits that store it.
Rate = Annotated[Decimal, decimal_text(digits=7, places=4, positive=True, example="12.5000")]
Money = Annotated[Decimal, decimal_text(digits=12, places=2, example="1234.56")]
Short = Annotated[str, trimmed(100)]
