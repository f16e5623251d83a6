"""R35–R38 as pure rules, each at its boundary."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.apld import rules
from app.apld.models import AgreementStatus, AgreementType, NeutralisationBasis
from app.apld.table import apld_table

FILED_AT = datetime(2021, 1, 5, 9, 30, tzinfo=UTC)


# --- R35: entry deadline and completeness ------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "deadline"),
    [
        (date(2021, 1, 5), date(2022, 6, 30)),
        (date(2022, 4, 12), date(2022, 6, 30)),  # the day before the ordinance of 13 April 2022
        (date(2022, 4, 13), date(2022, 12, 31)),
        (date(2023, 1, 1), date(2022, 12, 31)),
    ],
)
def test_entry_deadline_moves_to_the_end_of_2022_with_the_ordinance_of_13_april(on, deadline):
    assert rules.entry_deadline(on) == deadline


def _complete(**overrides):
    values = {
        "type": AgreementType.agreement,
        "establishments": 1,
        "start_on": date(2021, 1, 4),
        "duration_months": 24,
        "max_reduction": Decimal(40),
        "activities": "Production",
        "employees_covered": "The 9 production staff",
        "diagnostic": "Orders down",
        "commitments": "No redundancy",
        "information": "Quarterly to the CSE",
        "has_cse": None,
        "has_document": True,
        "has_cse_opinion": False,
    }
    values.update(overrides)
    return rules.missing_for_filing(**values)


def test_a_complete_agreement_lacks_nothing():
    assert _complete() == []


def test_an_empty_draft_lists_every_missing_item_at_once():
    problems = rules.missing_for_filing(
        type=None,
        establishments=0,
        start_on=None,
        duration_months=None,
        max_reduction=None,
        activities=None,
        employees_covered=None,
        diagnostic=None,
        commitments=None,
        information=None,
        has_cse=None,
        has_document=False,
        has_cse_opinion=False,
    )
    assert [p.field for p in problems] == [
        "type",
        "establishment_ids",
        "start_on",
        "duration_months",
        "max_reduction",
        "activities",
        "employees_covered",
        "diagnostic",
        "commitments",
        "information",
        "document",
    ]
    assert {p.type for p in problems} == {"missing"}


def test_a_unilateral_document_says_whether_there_is_a_cse_and_then_needs_its_opinion():
    doc = AgreementType.unilateral_document
    assert [p.field for p in _complete(type=doc)] == ["has_cse"]
    assert [p.field for p in _complete(type=doc, has_cse=True)] == ["cse_opinion"]
    assert _complete(type=doc, has_cse=True, has_cse_opinion=True) == []
    assert _complete(type=doc, has_cse=False) == []


@pytest.mark.parametrize("text", ["30 %", "30%", "45,5 % des salariés", "40 percent of the staff"])
def test_a_bare_staff_percentage_is_not_enough(text):
    (problem,) = _complete(employees_covered=text)
    assert (problem.field, problem.type) == ("employees_covered", "employees_percentage_only")


def test_employees_described_with_a_percentage_inside_are_fine():
    assert _complete(employees_covered="The 12 bakers of the Lorient workshop (30 %)") == []


def test_apld_starts_in_july_2020():
    assert _complete(start_on=date(2020, 7, 1)) == []
    (problem,) = _complete(start_on=date(2020, 6, 30))
    assert (problem.field, problem.type) == ("start_on", "apld_not_yet")


# --- R36: silence --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "days", "implicit"),
    [
        (AgreementType.agreement, 15, AgreementStatus.validated_implicitly),
        (AgreementType.unilateral_document, 21, AgreementStatus.homologated_implicitly),
    ],
)
def test_silence_validates_after_15_days_and_homologates_after_21(kind, days, implicit):
    tacit = rules.tacit_decision_at(FILED_AT, kind)
    assert tacit == FILED_AT + timedelta(days=days)
    just_before = tacit - timedelta(seconds=1)
    assert rules.effective_status("filed", kind, tacit, just_before) == AgreementStatus.filed
    assert rules.effective_status("filed", kind, tacit, tacit) == implicit


def test_a_document_is_still_filed_on_day_15_and_an_agreement_is_not():
    day_15 = FILED_AT + timedelta(days=15)
    doc, agreement = AgreementType.unilateral_document, AgreementType.agreement
    assert (
        rules.effective_status("filed", doc, rules.tacit_decision_at(FILED_AT, doc), day_15)
        == AgreementStatus.filed
    )
    assert (
        rules.effective_status(
            "filed", agreement, rules.tacit_decision_at(FILED_AT, agreement), day_15
        )
        == AgreementStatus.validated_implicitly
    )


def test_after_silence_only_the_confirmation_may_be_recorded():
    kind = AgreementType.agreement
    assert rules.allowed_outcomes(AgreementStatus.filed, kind) == {"validated", "refused"}
    assert rules.allowed_outcomes(AgreementStatus.validated_implicitly, kind) == {"validated"}
    assert rules.allowed_outcomes(AgreementStatus.refused, kind) == set()
    assert rules.allowed_outcomes(AgreementStatus.validated, kind) == set()


def test_the_decision_day_is_silences_when_no_decision_came_before_it():
    kind = AgreementType.agreement
    tacit = rules.tacit_decision_at(FILED_AT, kind)  # 2021-01-20 10:30 Paris
    now = datetime(2022, 1, 1, tzinfo=UTC)
    assert rules.decision_day("filed", kind, tacit, None, now) == date(2021, 1, 20)
    assert rules.decision_day("validated", kind, tacit, date(2021, 1, 12), now) == date(2021, 1, 12)
    assert rules.decision_day("validated", kind, tacit, date(2021, 2, 1), now) == date(2021, 1, 20)
    assert rules.decision_day("refused", kind, tacit, date(2021, 1, 12), now) is None


def test_above_40_percent_only_when_the_decision_grants_it():
    assert rules.granted_reduction(Decimal(50), False, explicit=True) == Decimal(40)
    assert rules.granted_reduction(Decimal(50), True, explicit=True) == Decimal(50)
    assert rules.granted_reduction(Decimal(50), None, explicit=False) == Decimal(50)  # silence
    assert rules.granted_reduction(Decimal(35), False, explicit=True) == Decimal(35)


# --- R38: neutralised months, durations and caps -------------------------------------------------


@pytest.mark.parametrize(
    ("month", "neutralised"),
    [
        (date(2020, 10, 1), False),
        (date(2020, 11, 1), True),
        (date(2021, 6, 30), True),
        (date(2021, 7, 1), False),
    ],
)
def test_neutralised_months_run_from_november_2020_to_june_2021(month, neutralised):
    assert rules.is_neutralised(month) is neutralised


def test_neutralisation_is_automatic_from_15_december_2020_and_flagged_uncertain():
    assert rules.neutralisation_applies(date(2020, 12, 14), None) == (False, False)
    assert rules.neutralisation_applies(date(2020, 12, 15), None) == (True, True)
    basis = NeutralisationBasis.activity_stopped
    assert rules.neutralisation_applies(date(2020, 12, 14), basis) == (True, False)
    assert "neutralised_automatic_from" in apld_table().rules.flags.uncertain


def test_neutralised_months_extend_a_duration():
    start = date(2020, 9, 1)
    assert rules.extended_end(start, 6, neutralise=False) == date(2021, 2, 28)
    # Sep, Oct counted; Nov – Jun skipped; Jul – Oct 2021 counted
    assert rules.extended_end(start, 6, neutralise=True) == date(2021, 10, 31)


def test_months_used_count_calendar_months_and_leave_neutralised_ones_out():
    spans = [(date(2020, 9, 15), date(2021, 3, 14))]  # touches Sep 2020 – Mar 2021: 7 months
    assert rules.months_used(spans, neutralise=False) == 7
    assert rules.months_used(spans, neutralise=True) == 2  # Sep, Oct 2020


def test_an_authorization_lasts_6_months_never_past_the_agreement():
    assert rules.authorization_end(date(2021, 1, 4), date(2022, 1, 3)) == date(2021, 7, 3)
    assert rules.authorization_end(date(2021, 1, 4), date(2021, 3, 31)) == date(2021, 3, 31)


def _four_authorizations():
    """2020-07-01 – 2022-06-30: 24 months, no neutralisation (decided before mid-December)."""
    return [
        (date(2020, 7, 1), date(2020, 12, 31)),
        (date(2021, 1, 1), date(2021, 6, 30)),
        (date(2021, 7, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 6, 30)),
    ]


def _plan(bilan_on, authorized, agreement_end=date(2023, 6, 30), neutralise=False):
    return rules.plan_renewal(
        bilan_on=bilan_on,
        current=authorized[-1],
        first_start=authorized[0][0],
        authorized=authorized,
        agreement_end=agreement_end,
        neutralise=neutralise,
    )


def test_a_renewal_filed_before_2022_04_08_meets_the_24_in_36_cap():
    refusal = _plan(date(2022, 4, 7), _four_authorizations())
    assert isinstance(refusal, rules.RenewalRefusal)
    assert refusal.rule == "apld_cap_exceeded"
    assert "24 authorized months within 36" in refusal.message


def test_a_renewal_filed_from_2022_04_08_meets_the_36_in_48_cap():
    plan = _plan(date(2022, 4, 8), _four_authorizations())
    assert plan == rules.RenewalPlan(date(2022, 7, 1), date(2022, 12, 31), 36, 48)


def test_the_bilan_is_filed_by_the_last_day_of_the_current_authorization():
    authorized = _four_authorizations()[:1]
    assert isinstance(_plan(date(2020, 12, 31), authorized), rules.RenewalPlan)
    late = _plan(date(2021, 1, 1), authorized)
    assert isinstance(late, rules.RenewalRefusal) and late.rule == "bilan_too_late"


def test_no_renewal_past_the_agreements_duration_and_the_last_one_stops_at_its_end():
    authorized = _four_authorizations()[:2]
    refusal = _plan(date(2021, 6, 1), authorized, agreement_end=date(2021, 6, 30))
    assert isinstance(refusal, rules.RenewalRefusal) and refusal.rule == "apld_duration_exceeded"
    shortened = _plan(date(2021, 6, 1), authorized, agreement_end=date(2021, 8, 31))
    assert shortened == rules.RenewalPlan(date(2021, 7, 1), date(2021, 8, 31), 24, 36)


def test_neutralised_months_leave_room_under_the_cap():
    # Decided from mid-December 2020: Nov 2020 – Jun 2021 count neither as used nor in the window
    authorized = _four_authorizations()
    plan = _plan(date(2022, 4, 7), authorized, neutralise=True)
    assert plan == rules.RenewalPlan(date(2022, 7, 1), date(2022, 12, 31), 24, 36)
    assert rules.months_used([*authorized, (plan.start_on, plan.end_on)], True) == 22
