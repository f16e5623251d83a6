"""R24: a filed claim is immutable, its amounts included, whatever happens to the client's
regime afterwards; the parameter file refuses numbers that are not plain decimals."""

import pytest

from app.legal.table import ParameterFileError, parameter_table, parse_table
from tests.lifecycle import accepted_request, create_claim, ready_establishment


def test_backdated_regime_change_leaves_a_filed_claim_as_filed(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    filed = create_claim(client, ctx, request["id"], month="2020-06", payroll_paid_on="2020-06-30")
    draft = create_claim(client, ctx, request["id"], month="2020-05", payroll_paid_on="2020-05-31")
    filed, draft = filed.json(), draft.json()
    response = client.post(
        f"/v1/claims/{filed['id']}/file", headers=ctx["headers"], json={"filed_on": "2020-07-02"}
    )
    assert response.status_code == 200, response.text
    before = response.json()
    assert before["lines"][0]["regime"] == "general"

    change = client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=ctx["headers"],
        json={"regime": "closed", "effective_from": "2020-01-01"},
    )
    assert change.status_code == 200, change.text

    after = client.get(f"/v1/claims/{filed['id']}", headers=ctx["headers"]).json()
    assert after["lines"] == before["lines"]
    assert after["total_allocation"] == before["total_allocation"]
    # a draft is not filed yet: it follows the client's regime
    redrawn = client.get(f"/v1/claims/{draft['id']}", headers=ctx["headers"]).json()
    assert redrawn["lines"][0]["regime"] == "closed"


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e1"])
def test_parameter_file_refuses_numbers_that_are_not_plain_decimals(bad):
    import tomllib

    from app.legal.table import PARAMETERS_FILE

    data = tomllib.loads(PARAMETERS_FILE.read_text())
    data["period"][0]["smic_hourly"] = bad
    with pytest.raises(ParameterFileError, match="smic_hourly"):
        parse_table(data)
    assert parameter_table().periods[0].smic_hourly > 0
