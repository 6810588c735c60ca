"""The run's session with FusionSolar: every call but the login goes through here.

Below the facade (client.py) and beside the catalogue: a call gets a valid token (auth.py logs
in, saving the guard first through the run's Checkpoint), is sent once through the portal
(transport.py), and logs in again once when FusionSolar ended the session (failCode 305-307).
A call of a paced device type notes when Huawei counted it (pacing.py). Nothing here calls up
into the facade: the checkpoint is a required argument, so no caller can forget it.
"""

import logging
from typing import Any

from fusioncharge.clock import Clock
from fusioncharge.errors import FusionSolarUnavailable
from fusioncharge.fusionsolar import pacing, parse, replies
from fusioncharge.fusionsolar.auth import Auth, Credentials
from fusioncharge.fusionsolar.transport import NoReply, Portal, Reply
from fusioncharge.state import State
from fusioncharge.state.checkpoint import Checkpoint


class ApiSession:
    """The run's logged-in session with FusionSolar's API (not the HTTP connection pool,
    which is the portal's requests.Session): a valid token for each call, and one login again
    when FusionSolar ends the session."""

    def __init__(
        self,
        portal: Portal,
        credentials: Credentials,
        state: State,
        clock: Clock,
        logger: logging.Logger,
        checkpoint: Checkpoint,
    ) -> None:
        self.portal = portal
        self.state = state
        self.clock = clock
        self.checkpoint = checkpoint
        self.auth = Auth(portal, credentials, state, clock, logger, checkpoint)

    def save_before(self, call: str) -> None:
        """Save the state before `call`; raises StateNotSaved (then the call is not made)."""
        self.checkpoint.before(self.state, call)

    def call(
        self,
        interface: str,
        body: dict[str, Any],
        *,
        pace: int | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """One API call with a valid token; logs in again once when FusionSolar asks to."""
        self.auth.ensure_token()
        envelope = self._attempt(interface, body, pace)
        code = replies.fail_code(envelope)
        if code in replies.RELOGIN_CODES:
            self.auth.session_ended(code)
            envelope = self._attempt(interface, body, pace)
            code = replies.fail_code(envelope)
        if code != 0 and code not in accept:
            raise replies.fail_code_error(interface, code, envelope, self.auth.secrets())
        return envelope

    def _attempt(self, interface: str, body: dict[str, Any], pace: int | None) -> dict[str, Any]:
        """Send once and decode. For a paced device type, note the time of any reply that may
        have counted toward Huawei's quota: all but 305 and requests that never left."""
        envelope = None
        reached = True
        sent = self.clock.now()
        reply: Reply | None = None
        try:
            reply = self.portal.exchange(interface, body, self.state.token)
            envelope = self.portal.decode(interface, reply, self.auth.secrets())
            return envelope
        except NoReply as exc:
            reached = exc.reached
            raise FusionSolarUnavailable(str(exc)) from None
        finally:
            relogin = envelope is not None and replies.fail_code(envelope) in replies.RELOGIN_CODES
            if pace is not None and reached and not relogin:
                single = reply is not None and reply.requests_sent == 1
                stamp = parse.server_time(envelope) if envelope is not None and single else None
                arrived = self.clock.now()
                counted = pacing.counted_at(self.state, sent, arrived, stamp)
                self.state.last_fetch[str(pace)] = counted
