"""R23: indemnity and allocation per employee line (category `standard`), exact decimals, cents
rounded half-up. (R28–R34 are in test_categories.py.)

The worked examples are computed from the table in shared/DOMAIN.md (the same values as
`tests.support.legal.DOMAIN_TABLE`) with R23's formula written out, never with the code under
test:

    capped        = min(rate, 4.5 × SMIC)
    base          = the rate itself where *base cap* is no (2020-03 – 2020-12), else capped
    indemnity/h   = max(indemnity % × base, indemnity floor)
    allocation/h  = min(max(allocation % × capped, allocation floor of the regime), indemnity/h)
    line amount   = per-hour (exact) × hours, rounded half-up to the cent
    per-hour shown rounded half-up to 4 decimals

Each row of the table and each regime has four examples, all for 37.50 hours:
  floor  11.00 €/h: 70 % × 11 = 7.70 and 60 % × 11 = 6.60 are below every indemnity floor, so the
         indemnity is the floor; 36/52/60/70 % × 11 are below every allocation floor, so the
         allocation is the regime's floor (e.g. 8.03 × 37.5 = 301.125 → 301.13, half-up).
  mid    25.00 €/h: between the floors and the cap: 70 % → 17.50, 60 % → 15.00, 52 % → 13.00,
         36 % → 9.00 (above 7.73, the highest 36 % floor); × 37.5 h.
  cap    60.00 €/h: above 4.5 × SMIC. The allocation uses the cap (e.g. 4.5 × 10.25 = 46.125;
         70 % → 32.2875, 60 % → 27.675, 52 % → 23.985, 36 % → 16.605); the indemnity too from
         2021-01, but in 2020 it is 70 % of the uncapped 60.00 = 42.00 (1,575.00).
  own     7.50 €/h: below every indemnity floor. A `standard` line gets the floor, not its own
         rate (the own-rate ceiling is R23's net ceiling from 2021-04, with the net pay given,
         and R28–R29 for apprentices and part-time employees); the allocation is the regime's
         floor, never above the indemnity.
Floor and mid use the row's first month, cap and own its last month.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.legal.amounts import line_amounts
from app.legal.models import Simulation
from app.legal.service import simulate
from app.legal.table import Regime, parameter_table
from tests.support.legal import DOMAIN_TABLE, months_between

HOURS = Decimal("37.50")

# case, month, regime, rate, capped rate, indemnity/h, allocation/h, indemnity, allocation
WORKED = [
    # --- 2020-03 – 2020-05: SMIC 10.15, cap 4.5 × 10.15 = 45.675, indemnity floor 8.03,
    # indemnity base uncapped
    # general 70 / 70 / 8.03
    ("floor", "2020-03", "general", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-03", "general", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2020-05", "general", "60.00", "45.6750", "42.0000", "31.9725", "1575.00", "1198.97"),
    ("own", "2020-05", "general", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # protected 70 / 70 / 8.03
    ("floor", "2020-03", "protected", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-03", "protected", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2020-05", "protected", "60.00", "45.6750", "42.0000", "31.9725", "1575.00", "1198.97"),
    ("own", "2020-05", "protected", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # closed 70 / 70 / 8.03
    ("floor", "2020-03", "closed", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-03", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2020-05", "closed", "60.00", "45.6750", "42.0000", "31.9725", "1575.00", "1198.97"),
    ("own", "2020-05", "closed", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # --- 2020-06 – 2020-12: SMIC 10.15, cap 4.5 × 10.15 = 45.675, indemnity floor 8.03,
    # indemnity base uncapped
    # general 70 / 60 / 8.03
    ("floor", "2020-06", "general", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-06", "general", "25.00", "25.0000", "17.5000", "15.0000", "656.25", "562.50"),
    ("cap", "2020-12", "general", "60.00", "45.6750", "42.0000", "27.4050", "1575.00", "1027.69"),
    ("own", "2020-12", "general", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # protected 70 / 70 / 8.03
    ("floor", "2020-06", "protected", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-06", "protected", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2020-12", "protected", "60.00", "45.6750", "42.0000", "31.9725", "1575.00", "1198.97"),
    ("own", "2020-12", "protected", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # closed 70 / 70 / 8.03
    ("floor", "2020-06", "closed", "11.00", "11.0000", "8.0300", "8.0300", "301.13", "301.13"),
    ("mid", "2020-06", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2020-12", "closed", "60.00", "45.6750", "42.0000", "31.9725", "1575.00", "1198.97"),
    ("own", "2020-12", "closed", "7.50", "7.5000", "8.0300", "8.0300", "301.13", "301.13"),
    # --- 2021-01 – 2021-03: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 70 / 60 / 8.11
    ("floor", "2021-01", "general", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-01", "general", "25.00", "25.0000", "17.5000", "15.0000", "656.25", "562.50"),
    ("cap", "2021-03", "general", "60.00", "46.1250", "32.2875", "27.6750", "1210.78", "1037.81"),
    ("own", "2021-03", "general", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # protected 70 / 70 / 8.11
    ("floor", "2021-01", "protected", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-01", "protected", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-03", "protected", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-03", "protected", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-01", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-01", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-03", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-03", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-04 – 2021-05: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 70 / 60 / 8.11
    ("floor", "2021-04", "general", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-04", "general", "25.00", "25.0000", "17.5000", "15.0000", "656.25", "562.50"),
    ("cap", "2021-05", "general", "60.00", "46.1250", "32.2875", "27.6750", "1210.78", "1037.81"),
    ("own", "2021-05", "general", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # protected 70 / 70 / 8.11
    ("floor", "2021-04", "protected", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-04", "protected", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-05", "protected", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-05", "protected", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-04", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-04", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-05", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-05", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-06 – 2021-06: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 70 / 52 / 8.11
    ("floor", "2021-06", "general", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-06", "general", "25.00", "25.0000", "17.5000", "13.0000", "656.25", "487.50"),
    ("cap", "2021-06", "general", "60.00", "46.1250", "32.2875", "23.9850", "1210.78", "899.44"),
    ("own", "2021-06", "general", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # protected 70 / 70 / 8.11
    ("floor", "2021-06", "protected", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-06", "protected", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-06", "protected", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-06", "protected", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-06", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-06", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-06", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-06", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-07 – 2021-07: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 60 / 36 / 7.30
    ("floor", "2021-07", "general", "11.00", "11.0000", "8.1100", "7.3000", "304.13", "273.75"),
    ("mid", "2021-07", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-07", "general", "60.00", "46.1250", "27.6750", "16.6050", "1037.81", "622.69"),
    ("own", "2021-07", "general", "7.50", "7.5000", "8.1100", "7.3000", "304.13", "273.75"),
    # protected 70 / 60 / 8.11
    ("floor", "2021-07", "protected", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-07", "protected", "25.00", "25.0000", "17.5000", "15.0000", "656.25", "562.50"),
    ("cap", "2021-07", "protected", "60.00", "46.1250", "32.2875", "27.6750", "1210.78", "1037.81"),
    ("own", "2021-07", "protected", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-07", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-07", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-07", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-07", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-08 – 2021-08: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 60 / 36 / 7.30
    ("floor", "2021-08", "general", "11.00", "11.0000", "8.1100", "7.3000", "304.13", "273.75"),
    ("mid", "2021-08", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-08", "general", "60.00", "46.1250", "27.6750", "16.6050", "1037.81", "622.69"),
    ("own", "2021-08", "general", "7.50", "7.5000", "8.1100", "7.3000", "304.13", "273.75"),
    # protected 70 / 52 / 8.11
    ("floor", "2021-08", "protected", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-08", "protected", "25.00", "25.0000", "17.5000", "13.0000", "656.25", "487.50"),
    ("cap", "2021-08", "protected", "60.00", "46.1250", "32.2875", "23.9850", "1210.78", "899.44"),
    ("own", "2021-08", "protected", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-08", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-08", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-08", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-08", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-09 – 2021-09: SMIC 10.25, cap 4.5 × 10.25 = 46.125, indemnity floor 8.11,
    # indemnity base capped
    # general 60 / 36 / 7.30
    ("floor", "2021-09", "general", "11.00", "11.0000", "8.1100", "7.3000", "304.13", "273.75"),
    ("mid", "2021-09", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-09", "general", "60.00", "46.1250", "27.6750", "16.6050", "1037.81", "622.69"),
    ("own", "2021-09", "general", "7.50", "7.5000", "8.1100", "7.3000", "304.13", "273.75"),
    # protected 60 / 36 / 7.30
    ("floor", "2021-09", "protected", "11.00", "11.0000", "8.1100", "7.3000", "304.13", "273.75"),
    ("mid", "2021-09", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-09", "protected", "60.00", "46.1250", "27.6750", "16.6050", "1037.81", "622.69"),
    ("own", "2021-09", "protected", "7.50", "7.5000", "8.1100", "7.3000", "304.13", "273.75"),
    # closed 70 / 70 / 8.11
    ("floor", "2021-09", "closed", "11.00", "11.0000", "8.1100", "8.1100", "304.13", "304.13"),
    ("mid", "2021-09", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-09", "closed", "60.00", "46.1250", "32.2875", "32.2875", "1210.78", "1210.78"),
    ("own", "2021-09", "closed", "7.50", "7.5000", "8.1100", "8.1100", "304.13", "304.13"),
    # --- 2021-10 – 2021-10: SMIC 10.48, cap 4.5 × 10.48 = 47.160, indemnity floor 8.30,
    # indemnity base capped
    # general 60 / 36 / 7.47
    ("floor", "2021-10", "general", "11.00", "11.0000", "8.3000", "7.4700", "311.25", "280.13"),
    ("mid", "2021-10", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-10", "general", "60.00", "47.1600", "28.2960", "16.9776", "1061.10", "636.66"),
    ("own", "2021-10", "general", "7.50", "7.5000", "8.3000", "7.4700", "311.25", "280.13"),
    # protected 60 / 36 / 7.47
    ("floor", "2021-10", "protected", "11.00", "11.0000", "8.3000", "7.4700", "311.25", "280.13"),
    ("mid", "2021-10", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-10", "protected", "60.00", "47.1600", "28.2960", "16.9776", "1061.10", "636.66"),
    ("own", "2021-10", "protected", "7.50", "7.5000", "8.3000", "7.4700", "311.25", "280.13"),
    # closed 70 / 70 / 8.30
    ("floor", "2021-10", "closed", "11.00", "11.0000", "8.3000", "8.3000", "311.25", "311.25"),
    ("mid", "2021-10", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-10", "closed", "60.00", "47.1600", "33.0120", "33.0120", "1237.95", "1237.95"),
    ("own", "2021-10", "closed", "7.50", "7.5000", "8.3000", "8.3000", "311.25", "311.25"),
    # --- 2021-11 – 2021-12: SMIC 10.48, cap 4.5 × 10.48 = 47.160, indemnity floor 8.30,
    # indemnity base capped
    # general 60 / 36 / 7.47
    ("floor", "2021-11", "general", "11.00", "11.0000", "8.3000", "7.4700", "311.25", "280.13"),
    ("mid", "2021-11", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-12", "general", "60.00", "47.1600", "28.2960", "16.9776", "1061.10", "636.66"),
    ("own", "2021-12", "general", "7.50", "7.5000", "8.3000", "7.4700", "311.25", "280.13"),
    # protected 60 / 36 / 7.47
    ("floor", "2021-11", "protected", "11.00", "11.0000", "8.3000", "7.4700", "311.25", "280.13"),
    ("mid", "2021-11", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2021-12", "protected", "60.00", "47.1600", "28.2960", "16.9776", "1061.10", "636.66"),
    ("own", "2021-12", "protected", "7.50", "7.5000", "8.3000", "7.4700", "311.25", "280.13"),
    # closed 70 / 70 / 8.30
    ("floor", "2021-11", "closed", "11.00", "11.0000", "8.3000", "8.3000", "311.25", "311.25"),
    ("mid", "2021-11", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2021-12", "closed", "60.00", "47.1600", "33.0120", "33.0120", "1237.95", "1237.95"),
    ("own", "2021-12", "closed", "7.50", "7.5000", "8.3000", "8.3000", "311.25", "311.25"),
    # --- 2022-01 – 2022-03: SMIC 10.57, cap 4.5 × 10.57 = 47.565, indemnity floor 8.37,
    # indemnity base capped
    # general 60 / 36 / 7.53
    ("floor", "2022-01", "general", "11.00", "11.0000", "8.3700", "7.5300", "313.88", "282.38"),
    ("mid", "2022-01", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-03", "general", "60.00", "47.5650", "28.5390", "17.1234", "1070.21", "642.13"),
    ("own", "2022-03", "general", "7.50", "7.5000", "8.3700", "7.5300", "313.88", "282.38"),
    # protected 60 / 36 / 7.53
    ("floor", "2022-01", "protected", "11.00", "11.0000", "8.3700", "7.5300", "313.88", "282.38"),
    ("mid", "2022-01", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-03", "protected", "60.00", "47.5650", "28.5390", "17.1234", "1070.21", "642.13"),
    ("own", "2022-03", "protected", "7.50", "7.5000", "8.3700", "7.5300", "313.88", "282.38"),
    # closed 70 / 70 / 8.37
    ("floor", "2022-01", "closed", "11.00", "11.0000", "8.3700", "8.3700", "313.88", "313.88"),
    ("mid", "2022-01", "closed", "25.00", "25.0000", "17.5000", "17.5000", "656.25", "656.25"),
    ("cap", "2022-03", "closed", "60.00", "47.5650", "33.2955", "33.2955", "1248.58", "1248.58"),
    ("own", "2022-03", "closed", "7.50", "7.5000", "8.3700", "8.3700", "313.88", "313.88"),
    # --- 2022-04 – 2022-04: SMIC 10.57, cap 4.5 × 10.57 = 47.565, indemnity floor 8.37,
    # indemnity base capped
    # general 60 / 36 / 7.53
    ("floor", "2022-04", "general", "11.00", "11.0000", "8.3700", "7.5300", "313.88", "282.38"),
    ("mid", "2022-04", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-04", "general", "60.00", "47.5650", "28.5390", "17.1234", "1070.21", "642.13"),
    ("own", "2022-04", "general", "7.50", "7.5000", "8.3700", "7.5300", "313.88", "282.38"),
    # protected 60 / 36 / 7.53
    ("floor", "2022-04", "protected", "11.00", "11.0000", "8.3700", "7.5300", "313.88", "282.38"),
    ("mid", "2022-04", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-04", "protected", "60.00", "47.5650", "28.5390", "17.1234", "1070.21", "642.13"),
    ("own", "2022-04", "protected", "7.50", "7.5000", "8.3700", "7.5300", "313.88", "282.38"),
    # closed 60 / 36 / 7.53
    ("floor", "2022-04", "closed", "11.00", "11.0000", "8.3700", "7.5300", "313.88", "282.38"),
    ("mid", "2022-04", "closed", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-04", "closed", "60.00", "47.5650", "28.5390", "17.1234", "1070.21", "642.13"),
    ("own", "2022-04", "closed", "7.50", "7.5000", "8.3700", "7.5300", "313.88", "282.38"),
    # --- 2022-05 – 2022-07: SMIC 10.85, cap 4.5 × 10.85 = 48.825, indemnity floor 8.59,
    # indemnity base capped
    # general 60 / 36 / 7.73
    ("floor", "2022-05", "general", "11.00", "11.0000", "8.5900", "7.7300", "322.13", "289.88"),
    ("mid", "2022-05", "general", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-07", "general", "60.00", "48.8250", "29.2950", "17.5770", "1098.56", "659.14"),
    ("own", "2022-07", "general", "7.50", "7.5000", "8.5900", "7.7300", "322.13", "289.88"),
    # protected 60 / 36 / 7.73
    ("floor", "2022-05", "protected", "11.00", "11.0000", "8.5900", "7.7300", "322.13", "289.88"),
    ("mid", "2022-05", "protected", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-07", "protected", "60.00", "48.8250", "29.2950", "17.5770", "1098.56", "659.14"),
    ("own", "2022-07", "protected", "7.50", "7.5000", "8.5900", "7.7300", "322.13", "289.88"),
    # closed 60 / 36 / 7.73
    ("floor", "2022-05", "closed", "11.00", "11.0000", "8.5900", "7.7300", "322.13", "289.88"),
    ("mid", "2022-05", "closed", "25.00", "25.0000", "15.0000", "9.0000", "562.50", "337.50"),
    ("cap", "2022-07", "closed", "60.00", "48.8250", "29.2950", "17.5770", "1098.56", "659.14"),
    ("own", "2022-07", "closed", "7.50", "7.5000", "8.5900", "7.7300", "322.13", "289.88"),
]


def params(month: str, regime: str):
    return parameter_table().for_month(date.fromisoformat(f"{month}-01"), Regime(regime))


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_worked_examples_cover_every_row_every_regime_and_every_case():
    covered = {(case, month, regime) for case, month, regime, *_ in WORKED}
    for first, last, *_ in DOMAIN_TABLE:
        for regime in Regime:
            for case, m in (("floor", first), ("mid", first), ("cap", last), ("own", last)):
                assert (case, m, regime.value) in covered


@pytest.mark.parametrize(
    ("case", "month", "regime", "rate", "capped", "ind_h", "alloc_h", "ind", "alloc"),
    WORKED,
    ids=[f"{w[1]}-{w[2]}-{w[0]}" for w in WORKED],
)
def test_line_amounts_follow_the_table_row_and_regime(
    case, month, regime, rate, capped, ind_h, alloc_h, ind, alloc
):
    a = line_amounts(params(month, regime), Decimal(rate), HOURS)
    assert str(a.capped_hourly_rate) == capped
    assert str(a.indemnity_per_hour) == ind_h
    assert str(a.allocation_per_hour) == alloc_h
    assert str(a.indemnity_amount) == ind
    assert str(a.allocation_amount) == alloc


def test_issue_example_2021_07_general_rate_20_gives_12_00_and_floor_7_30():
    # 60 % × 20 = 12.00 ≥ 8.11; 36 % × 20 = 7.20 < 7.30 → 7.30; × 10 h
    a = line_amounts(params("2021-07", "general"), Decimal("20.00"), Decimal("10"))
    assert (a.indemnity_per_hour, a.allocation_per_hour) == (Decimal("12.0000"), Decimal("7.3000"))
    assert (a.indemnity_amount, a.allocation_amount) == (Decimal("120.00"), Decimal("73.00"))
    assert set(a.applied) == {"allocation_floor"}


# --- boundary months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "regime", "rate", "ind_h", "alloc_h"),
    [
        # 2020-05 → 2020-06, general: allocation 70 % → 60 % (25 € → 17.50 → 15.00)
        ("2020-05", "general", "25.00", "17.5000", "17.5000"),
        ("2020-06", "general", "25.00", "17.5000", "15.0000"),
        ("2020-06", "protected", "25.00", "17.5000", "17.5000"),
        # 2021-05 → 2021-06 → 2021-07, general: 70/60 → 70/52 → 60/36
        ("2021-05", "general", "25.00", "17.5000", "15.0000"),
        ("2021-06", "general", "25.00", "17.5000", "13.0000"),
        ("2021-07", "general", "25.00", "15.0000", "9.0000"),
        # protected: 70/70 → 70/70 → 70/60
        ("2021-06", "protected", "25.00", "17.5000", "17.5000"),
        ("2021-07", "protected", "25.00", "17.5000", "15.0000"),
        # general floors: 8.11 / 8.11 in June, 8.11 / 7.30 in July 2021 (rate 11)
        ("2021-06", "general", "11.00", "8.1100", "8.1100"),
        ("2021-07", "general", "11.00", "8.1100", "7.3000"),
        # 2021-09 → 2021-10: floors 8.11 / 7.30 → 8.30 / 7.47, closed 8.11 → 8.30 (rate 11)
        ("2021-09", "general", "11.00", "8.1100", "7.3000"),
        ("2021-10", "general", "11.00", "8.3000", "7.4700"),
        ("2021-09", "closed", "11.00", "8.1100", "8.1100"),
        ("2021-10", "closed", "11.00", "8.3000", "8.3000"),
        # and the cap: 60 % × 46.125 = 27.675 → 60 % × 47.16 = 28.296
        ("2021-09", "general", "60.00", "27.6750", "16.6050"),
        ("2021-10", "general", "60.00", "28.2960", "16.9776"),
    ],
)
def test_boundary_months_change_the_amounts_on_the_first_of_the_month(
    month, regime, rate, ind_h, alloc_h
):
    a = line_amounts(params(month, regime), Decimal(rate), Decimal("1"))
    assert (str(a.indemnity_per_hour), str(a.allocation_per_hour)) == (ind_h, alloc_h)


# --- rounding ----------------------------------------------------------------------------------


def test_line_amount_is_rounded_half_up_not_half_even():
    # 8.03 × 37.5 = 301.125 → 301.13 (half-even would give 301.12)
    a = line_amounts(params("2020-04", "general"), Decimal("11.00"), Decimal("37.50"))
    assert a.indemnity_amount == Decimal("301.13")
    assert a.allocation_amount == Decimal("301.13")


def test_line_amount_uses_the_exact_per_hour_value_not_the_4_decimal_display():
    # 2021-07 general: 60 % × 20.0001 = 12.00006 (shown 12.0001); × 744 h = 8928.04464 → 8928.04
    # (the shown value would give 12.0001 × 744 = 8928.0744 → 8928.07). 36 % × 20.0001 =
    # 7.200036 < 7.30 → 7.30 × 744 = 5431.20.
    a = line_amounts(params("2021-07", "general"), Decimal("20.0001"), Decimal("744"))
    assert a.indemnity_per_hour == Decimal("12.0001")
    assert a.indemnity_amount == Decimal("8928.04")
    assert a.allocation_per_hour == Decimal("7.3000")
    assert a.allocation_amount == Decimal("5431.20")


def test_per_hour_values_are_shown_rounded_half_up_to_4_decimals():
    # 2020-06 general: 70 % × 20.0015 = 14.00105 → 14.0011 (half-even: 14.0010);
    # 60 % × 20.0015 = 12.0009; × 10 h = 140.0105 → 140.01 and 120.009 → 120.01
    a = line_amounts(params("2020-06", "general"), Decimal("20.0015"), Decimal("10"))
    assert str(a.indemnity_per_hour) == "14.0011"
    assert str(a.allocation_per_hour) == "12.0009"
    assert (str(a.indemnity_amount), str(a.allocation_amount)) == ("140.01", "120.01")


def test_zero_hours_not_worked_give_zero_amounts():
    a = line_amounts(params("2021-01", "general"), Decimal("15.00"), Decimal("0"))
    assert (str(a.indemnity_amount), str(a.allocation_amount)) == ("0.00", "0.00")


def test_rate_exactly_at_the_cap_is_not_reported_as_capped():
    # 4.5 × 10.15 = 45.675: the cap changes nothing at exactly that rate
    a = line_amounts(params("2020-04", "general"), Decimal("45.675"), Decimal("1"))
    assert a.capped_hourly_rate == Decimal("45.6750")
    assert a.indemnity_per_hour == Decimal("31.9725")
    assert "hourly_cap" not in a.applied


def test_rate_equal_to_the_indemnity_floor_gets_the_floor_not_more():
    # 2021-10 closed: 70 % × 8.30 = 5.81 < 8.30 → 8.30, own rate 8.30 → 8.30; allocation 8.30
    a = line_amounts(params("2021-10", "closed"), Decimal("8.30"), Decimal("10"))
    assert (a.indemnity_per_hour, a.allocation_per_hour) == (Decimal("8.3000"), Decimal("8.3000"))
    assert (a.indemnity_amount, a.allocation_amount) == (Decimal("83.00"), Decimal("83.00"))


@pytest.mark.parametrize(
    ("month", "regime", "rate", "applied"),
    [
        ("2021-07", "general", "11.00", {"indemnity_floor", "allocation_floor"}),
        ("2021-07", "general", "25.00", set()),
        ("2021-07", "general", "60.00", {"hourly_cap"}),
        # 7.50, standard: the floor 8.11, no longer brought down to the own rate (the revision);
        # the allocation floor 7.30
        ("2021-07", "general", "7.50", {"indemnity_floor", "allocation_floor"}),
        # 7.50 in 2020: both floors 8.03, the allocation equal to the indemnity, not above
        ("2020-04", "general", "7.50", {"indemnity_floor", "allocation_floor"}),
        # 60.00 in 2020: the allocation on the cap, the indemnity on the uncapped rate
        ("2020-04", "general", "60.00", {"hourly_cap", "indemnity_base_uncapped"}),
        ("2021-01", "general", "60.00", {"hourly_cap"}),
    ],
)  # fmt: skip
def test_applied_lists_the_caps_and_floors_that_bit(month, regime, rate, applied):
    assert set(line_amounts(params(month, regime), Decimal(rate), HOURS).applied) == applied


# --- properties --------------------------------------------------------------------------------

ALL_MONTHS = months_between("2020-03", "2022-07")
RATES = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("999999.9999"), places=4, allow_nan=False
)
SMALL_RATES = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("80"), places=4, allow_nan=False
)
HOURS_ST = st.decimals(min_value=Decimal("0"), max_value=Decimal("744"), places=2, allow_nan=False)
MONTHS_ST = st.sampled_from(ALL_MONTHS)
REGIMES_ST = st.sampled_from(list(Regime))
RATE_ST = st.one_of(SMALL_RATES, RATES)


@settings(max_examples=400, deadline=None)
@given(month=MONTHS_ST, regime=REGIMES_ST, rate=RATE_ST, hours=HOURS_ST)
@example(month=date(2020, 4, 1), regime=Regime.general, rate=Decimal("7.5"), hours=Decimal("0.01"))
@example(month=date(2022, 7, 1), regime=Regime.closed, rate=Decimal("0.0001"), hours=Decimal(744))
def test_allocation_never_exceeds_the_indemnity_and_amounts_are_whole_cents(
    month, regime, rate, hours
):
    p = parameter_table().for_month(month, regime)
    a = line_amounts(p, rate, hours)
    assert Decimal(0) <= a.allocation_per_hour <= a.indemnity_per_hour
    most = max(p.indemnity_rate * rate, p.indemnity_floor)
    assert a.indemnity_per_hour <= most.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    assert Decimal(0) <= a.allocation_amount <= a.indemnity_amount
    for amount in (a.indemnity_amount, a.allocation_amount):
        assert amount.as_tuple().exponent == -2
    for per_hour in (a.capped_hourly_rate, a.indemnity_per_hour, a.allocation_per_hour):
        assert per_hour.as_tuple().exponent == -4


@settings(max_examples=400, deadline=None)
@given(month=MONTHS_ST, regime=REGIMES_ST, rate=RATE_ST, hours=HOURS_ST)
def test_amounts_match_r23_written_from_the_domain_table(month, regime, rate, hours):
    row = next(r for r in DOMAIN_TABLE if month in months_between(r[0], r[1]))
    _, _, smic, cells, floor, base_cap, *_ = row
    ind_pct, alloc_pct, alloc_floor = (Decimal(x) for x in cells[regime.value])
    capped = min(rate, Decimal("4.5") * Decimal(smic))
    base = capped if base_cap else rate
    ind = max(ind_pct / 100 * base, Decimal(floor))
    alloc = min(max(alloc_pct / 100 * capped, alloc_floor), ind)
    a = line_amounts(parameter_table().for_month(month, regime), rate, hours)
    four = Decimal("0.0001")
    assert a.capped_hourly_rate == capped.quantize(four, rounding=ROUND_HALF_UP)
    assert a.indemnity_per_hour == ind.quantize(four, rounding=ROUND_HALF_UP)
    assert a.allocation_per_hour == alloc.quantize(four, rounding=ROUND_HALF_UP)
    assert a.indemnity_amount == cents(ind * hours)
    assert a.allocation_amount == cents(alloc * hours)


@settings(max_examples=300, deadline=None)
@given(month=MONTHS_ST, regime=REGIMES_ST, low=RATE_ST, high=RATE_ST, hours=HOURS_ST)
def test_amounts_never_decrease_when_the_rate_rises(month, regime, low, high, hours):
    low, high = sorted((low, high))
    p = parameter_table().for_month(month, regime)
    a, b = line_amounts(p, low, hours), line_amounts(p, high, hours)
    assert a.indemnity_per_hour <= b.indemnity_per_hour
    assert a.allocation_per_hour <= b.allocation_per_hour
    assert a.indemnity_amount <= b.indemnity_amount
    assert a.allocation_amount <= b.allocation_amount


@settings(max_examples=200, deadline=None)
@given(month=MONTHS_ST, regime=REGIMES_ST, extra=RATES, hours=HOURS_ST)
def test_above_the_cap_the_allocation_is_the_caps_and_the_indemnity_too_from_2021(
    month, regime, extra, hours
):
    p = parameter_table().for_month(month, regime)
    cap = p.hourly_cap
    above = line_amounts(p, cap + extra, hours)
    at = line_amounts(p, cap, hours)
    assert above.capped_hourly_rate == at.capped_hourly_rate == cap.quantize(Decimal("0.0001"))
    assert above.allocation_amount == at.allocation_amount
    if month >= date(2021, 1, 1):
        assert above.indemnity_amount == at.indemnity_amount
    else:  # 2020: 70 % of the uncapped rate
        assert above.indemnity_per_hour == (p.indemnity_rate * (cap + extra)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )


@settings(max_examples=200, deadline=None)
@given(month=MONTHS_ST, regime=REGIMES_ST, rate=RATE_ST)
def test_a_standard_indemnity_is_never_below_the_floor(month, regime, rate):
    p = parameter_table().for_month(month, regime)
    a = line_amounts(p, rate, Decimal(1))
    assert a.indemnity_per_hour >= p.indemnity_floor
    assert a.allocation_per_hour >= min(p.allocation_floor, a.indemnity_per_hour)


# within the legal 151.67 h a month: above it a line needs an overtime basis (R31)
LEGAL_HOURS_ST = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("151.67"), places=2, allow_nan=False
)
# the API takes rates up to 999.9999 € an hour
API_RATE_ST = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("999.9999"), places=4, allow_nan=False
)
LINE_ST = st.fixed_dictionaries(
    {
        "hourly_rate": API_RATE_ST.map(str),
        "hours_not_worked": LEGAL_HOURS_ST.map(str),
        "regime": st.one_of(st.none(), REGIMES_ST.map(str)),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    month=MONTHS_ST,
    regime=REGIMES_ST,
    lines=st.lists(LINE_ST, min_size=1, max_size=25),
)
def test_simulation_totals_equal_the_sum_of_rounded_lines(month, regime, lines):
    body = Simulation.model_validate(
        {
            "month": f"{month:%Y-%m}",
            "regime": regime.value,
            "lines": [
                {**line, "employee_ref": f"E{i}", "contract_hours": "744"}
                for i, line in enumerate(lines)
            ],
        }
    )
    result = simulate(body)
    assert len(result.lines) == len(lines)
    for given_line, out in zip(lines, result.lines, strict=True):
        used = Regime(given_line["regime"]) if given_line["regime"] else regime
        assert out.regime == used
        own = line_amounts(
            parameter_table().for_month(month, used),
            Decimal(given_line["hourly_rate"]),
            Decimal(given_line["hours_not_worked"]),
        )
        assert (out.indemnity_amount, out.allocation_amount) == (
            own.indemnity_amount,
            own.allocation_amount,
        )
    assert result.total_indemnity == sum((x.indemnity_amount for x in result.lines), Decimal(0))
    assert result.total_allocation == sum((x.allocation_amount for x in result.lines), Decimal(0))
    assert result.total_hours == sum((Decimal(x["hours_not_worked"]) for x in lines), Decimal(0))
    assert result.employer_cost == result.total_indemnity - result.total_allocation
    assert result.employer_cost >= 0


def test_totals_add_the_rounded_lines_not_the_rounded_exact_sum():
    # 2020-04 general, 9.00 €/h: 70 % × 9 = 6.30 < 8.03 → 8.03; × 35.5 h = 285.065 → 285.07 per
    # line; two lines: 570.14 (rounding the exact sum 570.13 would lose a cent)
    line = {"contract_hours": "151.67", "hours_not_worked": "35.50", "hourly_rate": "9.00"}
    result = simulate(
        Simulation.model_validate(
            {
                "month": "2020-04",
                "lines": [{**line, "employee_ref": "A"}, {**line, "employee_ref": "B"}],
            }
        )
    )
    assert [str(x.indemnity_amount) for x in result.lines] == ["285.07", "285.07"]
    assert str(result.total_indemnity) == "570.14"
    assert str(result.total_allocation) == "570.14"
    assert str(result.total_hours) == "71.00"
