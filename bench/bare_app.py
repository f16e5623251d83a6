"""The baseline: a bare FastAPI app with one `async def` route and no database or auth.

Its JSON body has the shape and size of one establishment (12 fields), so the ratio of a service
endpoint's throughput to this one shows what the service adds on top of FastAPI and uvicorn.

Run: `uvicorn --app-dir bench bare_app:app` (bench/run.py does it).
"""

from typing import Any

from fastapi import FastAPI

ESTABLISHMENT: dict[str, Any] = {
    "id": "019a4b2e-7c1d-7f3a-9b2e-4d5f6a7b8c9d",
    "client_id": "019a4b2e-6a0b-7e21-8c3d-1e2f3a4b5c6d",
    "siret": "73282932000074",
    "siren": "732829320",
    "name": "Établissement 1",
    "address": "12 rue de la République",
    "postal_code": "69002",
    "city": "Lyon",
    "status": "active",
    "archived_at": None,
    "created_at": "2025-11-27T13:00:00.123456Z",
    "updated_at": "2025-11-27T13:00:00.123456Z",
}

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/establishment")
async def establishment() -> dict[str, Any]:
    return ESTABLISHMENT
