"""The legal parameter table of shared/DOMAIN.md, copied by hand: what the table tests and the
amount tests check the shipped file and the computations against."""

from datetime import date

# months (first, last), SMIC, {regime: (indemnity %, allocation %, allocation floor)},
# indemnity floor, base cap, net ceiling, values marked uncertain, values with a single source.
# (R23: the net-ceiling column is single-source in DOMAIN.md; the data flags it where it is yes.)
G, P, C = "general", "protected", "closed"
DOMAIN_TABLE: list[
    tuple[str, str, str, dict[str, tuple[str, str, str]], str, bool, bool, set[str], set[str]]
] = [
    ("2020-03", "2020-05", "10.15",
     {G: ("70", "70", "8.03"), P: ("70", "70", "8.03"), C: ("70", "70", "8.03")},
     "8.03", False, False, set(), set()),
    ("2020-06", "2020-12", "10.15",
     {G: ("70", "60", "8.03"), P: ("70", "70", "8.03"), C: ("70", "70", "8.03")},
     "8.03", False, False, set(), set()),
    ("2021-01", "2021-03", "10.25",
     {G: ("70", "60", "8.11"), P: ("70", "70", "8.11"), C: ("70", "70", "8.11")},
     "8.11", True, False, set(), set()),
    ("2021-04", "2021-05", "10.25",
     {G: ("70", "60", "8.11"), P: ("70", "70", "8.11"), C: ("70", "70", "8.11")},
     "8.11", True, True, set(), {"net_ceiling"}),
    ("2021-06", "2021-06", "10.25",
     {G: ("70", "52", "8.11"), P: ("70", "70", "8.11"), C: ("70", "70", "8.11")},
     "8.11", True, True, set(), {"net_ceiling"}),
    ("2021-07", "2021-07", "10.25",
     {G: ("60", "36", "7.30"), P: ("70", "60", "8.11"), C: ("70", "70", "8.11")},
     "8.11", True, True, set(), {"net_ceiling"}),
    ("2021-08", "2021-08", "10.25",
     {G: ("60", "36", "7.30"), P: ("70", "52", "8.11"), C: ("70", "70", "8.11")},
     "8.11", True, True, set(), {"net_ceiling"}),
    ("2021-09", "2021-09", "10.25",
     {G: ("60", "36", "7.30"), P: ("60", "36", "7.30"), C: ("70", "70", "8.11")},
     "8.11", True, True, set(), {"net_ceiling"}),
    ("2021-10", "2021-10", "10.48",
     {G: ("60", "36", "7.47"), P: ("60", "36", "7.47"), C: ("70", "70", "8.30")},
     "8.30", True, True, set(), {"net_ceiling"}),
    ("2021-11", "2021-12", "10.48",
     {G: ("60", "36", "7.47"), P: ("60", "36", "7.47"), C: ("70", "70", "8.30")},
     "8.30", True, True, {"closed"}, {"net_ceiling"}),
    ("2022-01", "2022-03", "10.57",
     {G: ("60", "36", "7.53"), P: ("60", "36", "7.53"), C: ("70", "70", "8.37")},
     "8.37", True, True, set(), {"indemnity_floor", "net_ceiling"}),
    # `closed` ended on 2022-03-31: from 2022-04 its cells are the general ones
    ("2022-04", "2022-04", "10.57",
     {G: ("60", "36", "7.53"), P: ("60", "36", "7.53"), C: ("60", "36", "7.53")},
     "8.37", True, True, set(), {"indemnity_floor", "net_ceiling"}),
    ("2022-05", "2022-07", "10.85",
     {G: ("60", "36", "7.73"), P: ("60", "36", "7.73"), C: ("60", "36", "7.73")},
     "8.59", True, True, set(), {"net_ceiling"}),
]  # fmt: skip

# Regime vulnerable_or_childcare (R34): months, (indemnity %, allocation %, floor of both),
# values with a single source.
ABSENCE_TABLE: list[tuple[str, str, tuple[str, str, str], set[str]]] = [
    ("2021-04", "2021-09", ("70", "70", "8.11"), set()),
    ("2021-10", "2021-12", ("70", "70", "8.30"), set()),
    ("2022-01", "2022-04", ("70", "70", "8.37"), {"floor"}),
    ("2022-05", "2022-07", ("70", "70", "8.59"), set()),
]  # fmt: skip


def month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")


def months_between(first: str, last: str) -> list[date]:
    out, current = [], month(first)
    while current <= month(last):
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out
