"""Each input value must have its field's JSON type: pydantic alone would read `0` as
1970-01-01, `true` or `"12"` as an integer and `0` as false, and store them."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Optional, get_args, get_origin

import pytest
from pydantic import AfterValidator, Field

from app.core.models import InputModel, json_kind
from tests.support.builders import PASSWORD, firm_headers, make_client
from tests.support.lifecycle import PDF, create_request, ready_establishment
from tests.support.problems import assert_problem


def assert_invalid(response: Any, field: str, error_type: str) -> None:
    body = assert_problem(response, 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [(field, error_type)]


@pytest.mark.parametrize("value", [0, "0", 1588291200, "2020-05-01T00:00:00", True, "01/05/2020"])
def test_a_body_date_that_is_not_iso_text_is_422_date_format_and_nothing_is_stored(client, value):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    url = f"/v1/clients/{company['id']}/regimes"
    response = client.post(url, headers=headers, json={"regime": "closed", "effective_from": value})
    assert_invalid(response, "effective_from", "date_format")
    assert [r["regime"] for r in client.get(url, headers=headers).json()] == ["general"]


def test_a_nested_body_date_that_is_a_number_is_422_naming_its_path(client):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json={"cse": {"status": "given", "consulted_on": 0, "opinion": "favourable"}},
    )
    assert_invalid(response, "cse.consulted_on", "date_format")


@pytest.mark.parametrize("value", [0, "2020-04-01", 1585735200])
def test_a_datetime_that_is_not_iso_date_and_time_is_422_datetime_format(client, value):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    response = client.post(
        f"/v1/authorization-requests/{draft['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": value},
    )
    assert_invalid(response, "filed_at", "datetime_format")
    kept = client.get(f"/v1/authorization-requests/{draft['id']}", headers=ctx["headers"])
    assert kept.json()["status"] == "draft"


@pytest.mark.parametrize("value", [True, False, "12", 12.5])
def test_an_integer_given_as_a_boolean_text_or_fraction_is_422_int_type(client, value):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.patch(
        f"/v1/clients/{company['id']}", headers=headers, json={"headcount": value}
    )
    assert_invalid(response, "headcount", "int_type")
    kept = client.get(f"/v1/clients/{company['id']}", headers=headers).json()
    assert kept["headcount"] == company["headcount"]


@pytest.mark.parametrize("value", [0, 1, "false", "no"])
def test_a_boolean_given_as_a_number_or_text_is_422_and_the_user_stays_active(client, value):
    _, headers = firm_headers(client)
    email = f"m-{uuid.uuid4().hex[:8]}@cabinet-exemple.fr"
    body = {"email": email, "full_name": "M", "password": PASSWORD, "role": "member"}
    user = client.post("/v1/users", headers=headers, json=body).json()
    response = client.patch(f"/v1/users/{user['id']}", headers=headers, json={"active": value})
    assert_invalid(response, "active", "bool_type")
    assert client.get(f"/v1/users/{user['id']}", headers=headers).json()["active"] is True


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/v1/deadlines?due_before=0", "due_before"),
        ("/v1/authorization-requests?period_to=0", "period_to"),
        ("/v1/authorization-requests?period_from=2020-5-1", "period_from"),
        ("/v1/legal-parameters?on=1588291200&regime=general", "on"),
    ],
)
def test_a_query_date_that_is_not_yyyy_mm_dd_is_422_date_format(client, path, parameter):
    _, headers = firm_headers(client)
    response = client.get(path, headers=headers)
    assert_invalid(response, parameter, "date_format")


def test_iso_values_of_every_kind_are_accepted_control(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    url = f"/v1/clients/{company['id']}"
    assert client.patch(url, headers=headers, json={"headcount": 12}).json()["headcount"] == 12
    response = client.post(
        f"{url}/regimes", headers=headers, json={"regime": "closed", "effective_from": "2020-05-01"}
    )
    assert response.status_code == 200, response.text
    assert client.get("/v1/deadlines?due_before=2020-05-01", headers=headers).status_code == 200


def test_an_integral_number_written_with_a_fraction_is_an_integer(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.patch(
        f"/v1/clients/{company['id']}", headers=headers, json={"headcount": 12.0}
    )
    assert response.status_code == 200, response.text
    assert response.json()["headcount"] == 12


def test_a_date_in_other_digits_than_ascii_is_422_date_format(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.post(
        f"/v1/clients/{company['id']}/regimes",
        headers=headers,
        json={"regime": "closed", "effective_from": "２０２０-０５-０１"},
    )
    assert_invalid(response, "effective_from", "date_format")


def test_a_datetime_with_a_lowercase_t_and_z_is_accepted_as_rfc_3339_allows(client):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    response = client.post(
        f"/v1/authorization-requests/{draft['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": "2020-04-01t08:00:00z"},
    )
    assert response.status_code == 200, response.text


# --- the check itself: which fields it sees --------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        (int, "int"),
        (bool, "bool"),
        (date, "date"),
        (datetime, "datetime"),
        (int | None, "int"),
        (Optional[bool], "bool"),  # noqa: UP045 - the old spelling must be seen too
        (Annotated[int, Field(ge=0)] | None, "int"),
        (Annotated[date, AfterValidator(lambda v: v)] | None, "date"),
        (list[int], None),
        (list[date], None),
        (dict[str, bool], None),
        (int | str, None),
        (str, None),
        (Decimal, None),
    ],
)
def test_json_kind_sees_through_optional_and_annotated_but_not_containers(annotation, kind):
    assert json_kind(annotation) == kind


def scalars_inside_containers(annotation: Any) -> list[Any]:
    """int/bool/date/datetime found inside a list, dict, tuple or set of an annotation."""
    found = []
    origin = get_origin(annotation)
    for arg in get_args(annotation):
        if origin in (list, dict, tuple, set, frozenset) and json_kind(arg) is not None:
            found.append(arg)
        found.extend(scalars_inside_containers(arg))
    return found


def all_subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *all_subclasses(sub))]


def test_no_input_field_holds_an_int_bool_or_date_the_check_cannot_see():
    """The JSON-type check looks at single values; a `list[int]` field would be converted by
    pydantic unchecked. No input model has one (nested InputModels are checked themselves)."""
    import app.main  # noqa: F401 - every domain's models

    models = all_subclasses(InputModel)
    assert len(models) > 20
    unseen = [
        (model.__name__, name)
        for model in models
        for name, field in model.model_fields.items()
        if scalars_inside_containers(field.annotation)
    ]
    assert unseen == []


def test_a_repeated_multipart_field_is_422_repeated_field_and_nothing_is_stored(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    url = f"/v1/clients/{company['id']}/contracts"
    fields = {
        "signed_on": ["2020-03-01", "2020-03-02"],
        "signatory_name": "Jeanne Martin",
        "signatory_role": "Gérante",
    }
    files = {"document": ("contrat.pdf", PDF, "application/pdf")}
    response = client.post(url, headers=headers, data=fields, files=files)
    assert_invalid(response, "signed_on", "repeated_field")
    assert client.get(url, headers=headers).json()["items"] == []
