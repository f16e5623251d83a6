import uuid
from typing import Annotated

from fastapi import APIRouter, status

from app.auth.deps import Principal, Scoped, SettingsDep
from app.core.clock import ClockDep
from app.core.pagination import Page, PageDep
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, problem_responses
from app.webhooks import service
from app.webhooks.models import (
    WebhookAttemptPublic,
    WebhookDeliveryPublic,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
)

WebhooksRead = Annotated[Principal, Scoped("webhooks:read")]
WebhooksWrite = Annotated[Principal, Scoped("webhooks:write")]

router = APIRouter(route_class=CheckedRoute, prefix="/v1", tags=["webhooks"])


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> WebhookEndpointWithSecret:
    return WebhookEndpointWithSecret.build(
        endpoint, {"event_types": endpoint.event_types.split(), "secret": secret}
    )


@router.post(
    "/webhook-endpoints",
    operation_id="webhook-endpoints-create",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookEndpointWithSecret,
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def create_endpoint(
    body: WebhookEndpointCreate,
    session: WriteSession,
    principal: WebhooksWrite,
    settings: SettingsDep,
    clock: ClockDep,
) -> WebhookEndpointWithSecret:
    """Register an endpoint (owners and admins): an https:// URL of a public host and the event
    types it receives. Its signing `secret` is in this answer only."""
    endpoint, secret = await service.create_endpoint(
        session,
        principal,
        data=body,
        allow_private=settings.webhook_allow_private_addresses,
        now=clock.now(),
    )
    return _with_secret(endpoint, secret)


@router.get(
    "/webhook-endpoints",
    operation_id="webhook-endpoints-list",
    response_model=Page[WebhookEndpointPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_endpoints(
    session: ReadSession, principal: WebhooksRead, page: PageDep
) -> Page[WebhookEndpointPublic]:
    """The firm's webhook endpoints, oldest first, disabled ones too; never a secret."""
    rows, cursor = await service.list_endpoints(session, principal, page=page)
    return Page(items=[WebhookEndpointPublic.of(r) for r in rows], next_cursor=cursor)


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="webhook-endpoints-get",
    response_model=WebhookEndpointPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def get_endpoint(
    endpoint_id: uuid.UUID, session: ReadSession, principal: WebhooksRead
) -> WebhookEndpointPublic:
    """One webhook endpoint, with why it is disabled if it is."""
    return WebhookEndpointPublic.of(await service.get_endpoint(session, principal, endpoint_id))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="webhook-endpoints-update",
    response_model=WebhookEndpointPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def update_endpoint(
    endpoint_id: uuid.UUID,
    body: WebhookEndpointUpdate,
    session: WriteSession,
    principal: WebhooksWrite,
    settings: SettingsDep,
    clock: ClockDep,
) -> WebhookEndpointPublic:
    """Change the URL, event types or description; disable it, or enable it again."""
    endpoint = await service.update_endpoint(
        session,
        principal,
        endpoint_id=endpoint_id,
        data=body,
        allow_private=settings.webhook_allow_private_addresses,
        now=clock.now(),
    )
    return WebhookEndpointPublic.of(endpoint)


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    operation_id="webhook-endpoints-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def delete_endpoint(
    endpoint_id: uuid.UUID, session: WriteSession, principal: WebhooksWrite, clock: ClockDep
) -> None:
    """Delete the endpoint with its deliveries and attempts; nothing pending is sent."""
    await service.delete_endpoint(session, principal, endpoint_id=endpoint_id, now=clock.now())


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    operation_id="webhook-endpoints-rotate-secret",
    response_model=WebhookEndpointWithSecret,
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def rotate_secret(
    endpoint_id: uuid.UUID, session: WriteSession, principal: WebhooksWrite, clock: ClockDep
) -> WebhookEndpointWithSecret:
    """A new signing `secret`, in this answer only, used from the next attempt on."""
    endpoint, secret = await service.rotate_secret(
        session, principal, endpoint_id=endpoint_id, now=clock.now()
    )
    return _with_secret(endpoint, secret)


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    operation_id="webhook-endpoints-test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def send_test(
    endpoint_id: uuid.UUID, session: WriteSession, principal: WebhooksWrite, clock: ClockDep
) -> WebhookDeliveryPublic:
    """Queue a `webhook.test` event for this endpoint; its attempts show how it went."""
    delivery = await service.send_test(session, principal, endpoint_id=endpoint_id, now=clock.now())
    return WebhookDeliveryPublic.of(delivery)


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    operation_id="webhook-endpoints-deliveries",
    response_model=Page[WebhookDeliveryPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_deliveries(
    endpoint_id: uuid.UUID, session: ReadSession, principal: WebhooksRead, page: PageDep
) -> Page[WebhookDeliveryPublic]:
    """The endpoint's deliveries (one per message), oldest first, with their status."""
    rows, cursor = await service.list_deliveries(
        session, principal, endpoint_id=endpoint_id, page=page
    )
    return Page(items=[WebhookDeliveryPublic.of(r) for r in rows], next_cursor=cursor)


@router.get(
    "/webhook-endpoints/{endpoint_id}/attempts",
    operation_id="webhook-endpoints-attempts",
    response_model=Page[WebhookAttemptPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_attempts(
    endpoint_id: uuid.UUID, session: ReadSession, principal: WebhooksRead, page: PageDep
) -> Page[WebhookAttemptPublic]:
    """Every attempt to deliver to the endpoint, oldest first: status code, duration, the
    answer's first 1,024 characters or the error."""
    rows, cursor = await service.list_attempts(
        session, principal, endpoint_id=endpoint_id, page=page
    )
    return Page(items=[WebhookAttemptPublic.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    operation_id="webhook-deliveries-redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def redeliver(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    session: WriteSession,
    principal: WebhooksWrite,
    clock: ClockDep,
) -> WebhookDeliveryPublic:
    """Send a delivered or failed message again, as a new delivery with the same
    `webhook-id`; a delivery still pending is a 409."""
    delivery = await service.redeliver(
        session, principal, endpoint_id=endpoint_id, delivery_id=delivery_id, now=clock.now()
    )
    return WebhookDeliveryPublic.of(delivery)
