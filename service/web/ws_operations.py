"""graphql-transport-ws with the connection's grant re-checked before every operation.

A connection authenticates once, in `connection_init`; its session may be revoked on another
node before this node's watch notices (`service.identity.connections`). Each `subscribe`
message (a subscription, or a query or mutation sent over the socket) first asks the grant, so
an ended session starts nothing more: the connection closes with 4403 and the reason.
"""

from __future__ import annotations

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from schema.context import Context
from service.identity.connections import CLOSE_CODE

GRANT_ENDED = "grant_ended"
"""`Context.extras` key: why the connection closes once its grant ended."""


class GrantCheckedHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's handler, refusing operations once the connection's grant ended."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Start the operation only while the grant holds; else close the connection."""
        context = self.context
        if self.connection_acknowledged and context.reauthorise is not None:
            principal = await context.reauthorise()
            if principal is None:
                reason = context.extras.get(GRANT_ENDED, "session has ended")
                await self.websocket.close(code=CLOSE_CODE, reason=reason)
                return
            context.principal = principal
        await super().handle_subscribe(message)
