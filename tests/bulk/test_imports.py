"""The CSV import of clients and establishments: English or French headers, `;` or `,`, UTF-8
with or without BOM; a dry run reports every bad row with its line and writes nothing; the
import is all or nothing; limits of size, rows and R3's 200 slots."""

import pytest

from app.bulk.rules import MAX_BYTES, header_key, read_sheet, split_address
from app.errors import DomainError
from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import firm_headers, make_client, new_siren, siret_for
from tests.support.problems import assert_problem

PATH = "/v1/imports/establishments"


def send(client, headers, text, dry_run=False, encoding="utf-8", name="etablissements.csv"):
    content = text.encode(encoding) if isinstance(text, str) else text
    params = {"dry_run": "true"} if dry_run else {}
    files = {"file": (name, content, "text/csv")}
    return client.post(PATH, headers=headers, files=files, params=params)


def establishments(client, headers):
    return client.get("/v1/establishments?limit=100", headers=headers).json()["items"]


def clients(client, headers):
    return client.get("/v1/clients?limit=100", headers=headers).json()["items"]


def french_sheet(*rows):
    lines = ["SIREN;SIRET;Nom de l'établissement;Adresse;Effectif;Raison sociale;Notes"]
    lines += [";".join(r) for r in rows]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def test_a_french_sheet_with_bom_creates_the_clients_by_siren_and_the_establishments(client):
    _, headers = firm_headers(client)
    a, b = new_siren(), new_siren()
    text = french_sheet(
        (
            a,
            siret_for(a, 1),
            "Boulangerie du Port",
            "3 quai des Indes, 56100 Lorient",
            "12",
            "Boulangerie Martin",
            "x",
        ),
        (a, siret_for(a, 2), "Boulangerie du Marché", "1 place Bisson 56100 Lorient", "12", "", ""),
        ("", siret_for(b, 1), "Garage Leroy", '"8 rue de Brest, 29200 Brest"', "1 200", "", ""),
    )
    response = send(client, headers, text)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["dry_run"], report["written"], report["rows"]) == (False, True, 3)
    assert (report["clients_created"], report["establishments_created"]) == (2, 3)
    assert report["columns"]["name"] == "Nom de l'établissement"
    assert report["ignored_columns"] == ["Notes"]
    assert [r["line"] for r in report["items"]] == [2, 3, 4]
    assert [r["client_created"] for r in report["items"]] == [True, False, True]
    made = {c["siren"]: c for c in clients(client, headers)}
    assert made[a]["legal_name"] == "Boulangerie Martin" and made[a]["headcount"] == 12
    assert made[b]["legal_name"] == "Garage Leroy" and made[b]["headcount"] == 1200
    rows = {e["siret"]: e for e in establishments(client, headers)}
    port = rows[siret_for(a, 1)]
    assert (port["address"], port["postal_code"], port["city"]) == (
        "3 quai des Indes",
        "56100",
        "Lorient",
    )
    assert rows[siret_for(b, 1)]["client_id"] == made[b]["id"]
    assert report["items"][0]["establishment_id"] == port["id"]


def test_an_english_comma_sheet_reuses_an_existing_client(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    text = (
        "siret,name,address,postal_code,city\n"
        f'{siret_for(company["siren"], 7)},Shop,"12 rue de la Paix",75002,Paris\n'
    )
    response = send(client, headers, text)
    assert response.status_code == 200, response.text
    assert response.json()["clients_created"] == 0
    [made] = establishments(client, headers)
    assert (made["client_id"], made["postal_code"]) == (company["id"], "75002")


def test_a_dry_run_reports_every_bad_row_with_its_line_and_writes_nothing(client):
    _, headers = firm_headers(client)
    taken = make_client(client, headers)
    a = new_siren()
    good = siret_for(a, 1)
    wrong_key = good[:-1] + str((int(good[-1]) + 1) % 10)
    text = french_sheet(
        (a, good, "Boulangerie", "3 quai des Indes, 56100 Lorient", "12", "", ""),
        (a, wrong_key, "Fournil", "3 quai des Indes, 56100 Lorient", "12", "", ""),
        ("", siret_for(taken["siren"], 1), "Sans ville", "3 quai des Indes", "", "", ""),
        (a, good, "Doublon", "3 quai des Indes, 56100 Lorient", "12", "", ""),
        (new_siren(), siret_for(a, 3), "Autre", "3 quai des Indes, 56100 Lorient", "4", "", ""),
        (a, siret_for(a, 4), "Effectif", "3 quai des Indes, 56100 Lorient", "30", "", ""),
        ("", siret_for(new_siren(), 1), "", "1 rue X, 75001 Paris", "douze", "", ""),
    )
    response = send(client, headers, text, dry_run=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["dry_run"], report["written"], report["failed"]) == (True, False, 6)
    rows = report["items"]
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 6, 7, 8]
    assert [r["status"] for r in rows] == [201, 422, 422, 409, 422, 422, 422]
    fields = [
        sorted((e["field"], e["type"]) for e in (r["problem"] or {}).get("errors") or [])
        for r in rows
    ]
    assert fields[1] == [("SIRET", "siret_checksum")]
    assert fields[2] == [("Adresse", "missing"), ("Adresse", "missing")]
    assert rows[3]["problem"]["code"] == "duplicate_siret"
    assert fields[4] == [("SIREN", "siren_mismatch")]
    assert fields[5] == [("Effectif", "client_inconsistent")]
    assert {f for f, _ in fields[6]} == {"Nom de l'établissement", "Effectif"}
    assert rows[0]["establishment_id"] is None and rows[0]["client_created"] is True
    assert establishments(client, headers) == []
    assert [c["id"] for c in clients(client, headers)] == [taken["id"]]
    # The same file without a dry run: refused whole, with the same rows' outcomes.
    refused = assert_problem(send(client, headers, text), 422, "import_rejected")
    assert [(i["line"], i["status"]) for i in refused["items"]] == [
        (r["line"], r["status"]) for r in rows
    ]
    assert establishments(client, headers) == []


def test_r3_at_199_slots_an_import_of_two_rows_is_refused_whole(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    fill = [
        {
            "client_id": company["id"],
            "siret": siret_for(company["siren"], n),
            "name": f"E{n}",
            "address": "1 rue X",
            "postal_code": "75001",
            "city": "Paris",
        }
        for n in range(1, ESTABLISHMENT_LIMIT)
    ]
    done = client.post("/v1/establishments/batch", headers=headers, json={"items": fill})
    assert done.status_code == 200, done.text
    siren = company["siren"]
    text = "SIRET;Nom;Adresse\n" + "".join(
        f"{siret_for(siren, n)};E{n};1 rue X 75001 Paris\n" for n in (200, 201)
    )
    dry = send(client, headers, text, dry_run=True).json()
    assert [r["status"] for r in dry["items"]] == [201, 409]
    assert dry["items"][1]["problem"]["code"] == "establishment_limit_reached"
    assert_problem(send(client, headers, text), 422, "import_rejected")
    firm = client.get("/v1/firm", headers=headers).json()
    assert firm["establishments_active"] == ESTABLISHMENT_LIMIT - 1
    one = "SIRET;Nom;Adresse\n" + f"{siret_for(siren, 200)};E200;1 rue X 75001 Paris\n"
    assert send(client, headers, one).status_code == 200
    assert client.get("/v1/firm", headers=headers).json()["establishments_active"] == 200


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        ("Nom;Adresse\nA;B\n", "missing_column"),
        ("SIRET;Nom;Adresse;Name\n1;2;3;4\n", "duplicate_column"),
        ("SIRET;Nom;Adresse\n", "empty"),
        ("", "empty"),
        ("SIRET;Nom;Adresse\n1;2;3;4\n", "row_too_long"),
        ("SIRET;Nom;Adresse\nÉtablissement;é;è\n".encode("cp1252"), "encoding"),
        (b"PK\x03\x04rest of a workbook", "not_csv"),
    ],
)
def test_a_file_that_cannot_be_read_names_the_rule(client, content, rule):
    _, headers = firm_headers(client)
    problem = assert_problem(send(client, headers, content), 422, "import_file_invalid")
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [("file", rule)]


def test_more_than_200_rows_and_more_than_a_mebibyte_are_refused(client):
    _, headers = firm_headers(client)
    siren = new_siren()
    rows = "".join(f"{siret_for(siren, n)};E{n};1 rue X 75001 Paris\n" for n in range(1, 202))
    problem = assert_problem(
        send(client, headers, "SIRET;Nom;Adresse\n" + rows), 422, "import_too_many_rows"
    )
    assert problem["errors"][0]["field"] == "file"
    big = "SIRET;Nom;Adresse;Notes\n" + "x" * (MAX_BYTES + 1)
    assert_problem(send(client, headers, big), 413, "file_too_large")
    assert establishments(client, headers) == []


def test_the_import_needs_both_write_scopes(client):
    from tests.support.builders import bearer, token

    firm, _ = firm_headers(client)
    scoped = token(client, firm["owner_email"], scope="establishments:write establishments:read")
    response = send(client, bearer(scoped["access_token"]), "SIRET;Nom;Adresse\n")
    assert_problem(response, 403, "forbidden")


def test_header_names_match_without_case_accents_or_punctuation():
    assert header_key(" Code-Postal ") == header_key("code_postal") == "code postal"
    assert header_key("Nom de l'Établissement") == "nom de l etablissement"
    sheet = read_sheet(b"siret,NAME,Adresse Postale,Ville\n1,2,3,4\n")
    assert set(sheet.columns) == {"siret", "name", "address", "city"}


def test_an_address_ends_with_its_postal_code_and_city_or_keeps_them_apart():
    assert split_address("3 quai des Indes, 56100 Lorient") == (
        "3 quai des Indes",
        "56100",
        "Lorient",
    )
    assert split_address("Lieu-dit Kerbriant") == ("Lieu-dit Kerbriant", None, None)


def test_a_quoted_cell_may_hold_the_separator_and_a_line_break():
    sheet = read_sheet(b'SIRET;Nom;Adresse\n1;"A;B";"1 rue X\n75001 Paris"\n2;C;D\n')
    assert [r.line for r in sheet.rows] == [2, 4]
    assert sheet.rows[0].cells["name"] == "A;B"


def test_read_sheet_refuses_rather_than_guesses():
    with pytest.raises(DomainError):
        read_sheet(b"\xff\xfeS\x00I\x00R\x00E\x00T\x00")
