"""R1: SIRET and SIREN validation, through the pure validators and through the API."""

import pytest
from pydantic import TypeAdapter, ValidationError

from app.core.identifiers import Siren, Siret
from tests.support.builders import firm_headers, make_client

siret = TypeAdapter(Siret)
siren = TypeAdapter(Siren)


@pytest.mark.parametrize(
    "value",
    [
        "73282932000074",
        "35600000009075",  # La Poste establishment: digit sum multiple of 5
        "35600000000048",  # La Poste head office: plain Luhn
        "732 829 320 00074",
        " 73282932000074 ",
    ],
)
def test_valid_siret_is_accepted_and_normalised(value):
    assert siret.validate_python(value) == value.replace(" ", "")


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("73282932000075", "siret_checksum"),
        ("35600000049838", "siret_checksum"),  # La Poste rule fails
        ("00000000000000", "siret_degenerate"),  # passes Luhn, never assigned
        ("000000000 00018", "siret_degenerate"),
        ("7328293200007", "siret_format"),
        ("732829320000745", "siret_format"),
        ("7328293200007A", "siret_format"),
        ("", "siret_format"),
    ],
)
def test_invalid_siret_is_refused_with_its_reason(value, error_type):
    with pytest.raises(ValidationError) as info:
        siret.validate_python(value)
    assert info.value.errors()[0]["type"] == error_type


@pytest.mark.parametrize(
    ("value", "error_type"),
    [
        ("732829321", "siren_checksum"),
        ("000000000", "siren_degenerate"),
        ("73282932", "siren_format"),
    ],
)
def test_invalid_siren_is_refused_with_its_reason(value, error_type):
    with pytest.raises(ValidationError) as info:
        siren.validate_python(value)
    assert info.value.errors()[0]["type"] == error_type


def test_siren_with_spaces_is_accepted():
    assert siren.validate_python("732 829 320") == "732829320"


def test_api_names_the_siret_field_and_rule(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers, siren="356000000")
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json={
            "client_id": company["id"],
            "siret": "35600000049838",
            "name": "Bureau",
            "address": "1 rue A",
            "postal_code": "75001",
            "city": "Paris",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("siret", "siret_checksum")]
    assert "R1" in body["errors"][0]["message"]


def test_la_poste_establishment_is_accepted_by_the_api(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers, siren="356000000")
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json={
            "client_id": company["id"],
            "siret": "356 000 000 09075",
            "name": "Bureau",
            "address": "1 rue A",
            "postal_code": "75001",
            "city": "Paris",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["siret"] == "35600000009075"


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_other_scripts_digits_are_not_a_siret_or_a_siren():
    """Fullwidth or Arabic-Indic digits would make one number several (R1, R4)."""
    for value, adapter, error_type in (
        ("73282932000074".translate(FULLWIDTH), siret, "siret_format"),
        ("7328293200007٤", siret, "siret_format"),
        ("732829320".translate(FULLWIDTH), siren, "siren_format"),
    ):
        with pytest.raises(ValidationError) as raised:
            adapter.validate_python(value)
        assert raised.value.errors()[0]["type"] == error_type


def test_api_refuses_fullwidth_siren_siret_and_postal_code(client):
    """The same client twice, once with fullwidth digits, was accepted: one SIREN, two clients."""
    _, headers = firm_headers(client)
    siren_fw = {"siren": "732829320".translate(FULLWIDTH), "legal_name": "A", "headcount": 1}
    response = client.post("/v1/clients", json=siren_fw, headers=headers)
    assert response.status_code == 422, response.text
    assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [
        ("siren", "siren_format")
    ]
    company = make_client(client, headers, siren="356000000")
    base = {"client_id": company["id"], "name": "B", "address": "1 rue A", "city": "Paris"}
    for field, value, error_type in (
        ("siret", "35600000009075".translate(FULLWIDTH), "siret_format"),
        ("postal_code", "75001".translate(FULLWIDTH), "string_pattern_mismatch"),
    ):
        body = {"siret": "35600000009075", "postal_code": "75001", **base, field: value}
        response = client.post("/v1/establishments", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [(field, error_type)]
    listed = client.get("/v1/establishments", headers=headers).json()["items"]
    assert listed == []
