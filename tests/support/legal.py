"""The legal parameter table of shared/DOMAIN.md, copied by hand: what the table tests and the
amount tests check the shipped file and the computations against."""

from datetime import date

# months (first, last), SMIC, {regime: (indemnity %, allocation %, allocation floor)},
# indemnity floor, values marked uncertain in DOMAIN.md
DOMAIN_TABLE: list[tuple[str, str, str, dict[str, tuple[str, str, str]], str, set[str]]] = [
    (
        "2020-03", "2020-05", "10.15",
        {"general": ("70", "70", "8.03"), "protected": ("70", "70", "8.03"),
         "closed": ("70", "70", "8.03")},
        "8.03", set(),
    ),
    (
        "2020-06", "2020-12", "10.15",
        {"general": ("70", "60", "8.03"), "protected": ("70", "70", "8.03"),
         "closed": ("70", "70", "8.03")},
        "8.03", set(),
    ),
    (
        "2021-01", "2021-05", "10.25",
        {"general": ("70", "60", "8.11"), "protected": ("70", "70", "8.11"),
         "closed": ("70", "70", "8.11")},
        "8.11", set(),
    ),
    (
        "2021-06", "2021-06", "10.25",
        {"general": ("70", "52", "8.11"), "protected": ("70", "70", "8.11"),
         "closed": ("70", "70", "8.11")},
        "8.11", set(),
    ),
    (
        "2021-07", "2021-07", "10.25",
        {"general": ("60", "36", "7.30"), "protected": ("70", "60", "8.11"),
         "closed": ("70", "70", "8.11")},
        "8.11", set(),
    ),
    (
        "2021-08", "2021-08", "10.25",
        {"general": ("60", "36", "7.30"), "protected": ("70", "52", "8.11"),
         "closed": ("70", "70", "8.11")},
        "8.11", set(),
    ),
    (
        "2021-09", "2021-09", "10.25",
        {"general": ("60", "36", "7.30"), "protected": ("60", "36", "7.30"),
         "closed": ("70", "70", "8.11")},
        "8.11", set(),
    ),
    (
        "2021-10", "2021-10", "10.48",
        {"general": ("60", "36", "7.47"), "protected": ("60", "36", "7.47"),
         "closed": ("70", "70", "8.30")},
        "8.30", set(),
    ),
    (
        "2021-11", "2021-12", "10.48",
        {"general": ("60", "36", "7.47"), "protected": ("60", "36", "7.47"),
         "closed": ("70", "70", "8.30")},
        "8.30", {"closed"},
    ),
    (
        "2022-01", "2022-04", "10.57",
        {"general": ("60", "36", "7.53"), "protected": ("60", "36", "7.53"),
         "closed": ("70", "70", "8.37")},
        "8.37", {"closed", "indemnity_floor"},
    ),
    (
        "2022-05", "2022-07", "10.85",
        {"general": ("60", "36", "7.73"), "protected": ("60", "36", "7.73"),
         "closed": ("70", "70", "8.59")},
        "8.59", {"closed", "indemnity_floor"},
    ),
]  # fmt: skip


def month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")


def months_between(first: str, last: str) -> list[date]:
    out, current = [], month(first)
    while current <= month(last):
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out
