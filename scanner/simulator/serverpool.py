"""psrpcore's server runspace pool, with the work that is the same on every session done once per
process.

Every session of a sweep sends the same SESSION_CAPABILITY, INIT_RUNSPACEPOOL and CREATE_PIPELINE
(the same 26 KB collector script), and every host of one PowerShell version answers the same
SESSION_CAPABILITY, APPLICATION_PRIVATE_DATA, RUNSPACEPOOL_STATE and PIPELINE_STATE. psrpcore parses
and builds each of them through its general object model (ElementTree and PSObject), which cost about
half of the simulator's CPU per session. Here:

- an incoming message's CLIXML is decoded once per distinct text (the key is the text itself, so
  two texts that differ by one byte are two entries), and the pipeline a CREATE_PIPELINE describes
  is read once per distinct text too;
- an outgoing message that carries no per-session data has its CLIXML built once per distinct value
  (a state without an error record, the host's capability, the host's private data).

The message headers (runspace pool id, pipeline id) and fragment numbers are made per session as
psrpcore makes them: only the CLIXML inside is shared, and a test holds both paths to the same bytes.
Decoded objects are shared between sessions and only read: psrpcore's server keeps them as the pool's
``their_capability``, host information and the pipeline's metadata, none of which it changes.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any
from xml.etree import ElementTree

import psrpcore
from psrpcore._base import Pipeline, RunspacePool
from psrpcore._events import PSRPEvent
from psrpcore._payload import PSRPMessage, StreamType, create_message
from psrpcore.types import (
    ApplicationPrivateData,
    EndOfPipelineInput,
    PipelineState,
    PSInvocationState,
    PSRPMessageType,
    RunspacePoolState,
    RunspacePoolStateMsg,
    SessionCapability,
)
from psrpcore.types._serializer import deserialize, serialize

from scanner.simulator import scripts

_DECODED = {
    PSRPMessageType.SessionCapability,
    PSRPMessageType.InitRunspacePool,
    PSRPMessageType.CreatePipeline,
}
# a SecureString is sealed with the session's own key: such a text is never the same twice
_SECURE = b"<SS"
_psrpcore_log = logging.getLogger("psrpcore._base")
# psrpcore's server does not send these states to the client
_UNSENT_STATES = (RunspacePoolState.Disconnected, RunspacePoolState.Disconnecting, RunspacePoolState.Connecting)


class _Decoded:
    """One incoming CLIXML text, decoded; and, for a CREATE_PIPELINE, what it asks for."""

    __slots__ = ("lock", "ps_object", "metadata", "request", "derived")

    def __init__(self, ps_object: Any) -> None:
        self.lock = threading.Lock()
        self.ps_object = ps_object
        self.metadata: Any = None  # psrpcore's PowerShell for a CREATE_PIPELINE
        self.request: scripts.PipelineRequest | None = None
        self.derived: Any = None  # what psrpcore reads out of it, for the other message types

    def read(self, derive: Callable[[Any], Any]) -> Any:
        with self.lock:
            if self.derived is None:
                self.derived = derive(self.ps_object)
            return self.derived

    def pipeline(self) -> tuple[Any, scripts.PipelineRequest]:
        with self.lock:
            if self.metadata is None or self.request is None:
                metadata = psrpcore.PowerShell.FromPSObjectForRemoting(self.ps_object)
                self.request = scripts.pipeline_request(metadata.commands)
                self.metadata = metadata
            return self.metadata, self.request


class _Lru:
    """A small bounded cache shared by every pool of the process (the simulator's loop and a test's
    thread may both use it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# keys are whole CLIXML texts (up to the collector's 26 KB): a few dozen distinct ones at most in a
# sweep (one per client kind and collector dialect)
_incoming = _Lru(64)
_outgoing = _Lru(256)


def clear_caches() -> None:
    """Forget every cached message (tests)."""
    _incoming.clear()
    _outgoing.clear()


class CachingServerPool(psrpcore.ServerRunspacePool):
    """A ServerRunspacePool that decodes and encodes the messages every session shares once.
    ``private_data_key`` names the value of ``application_private_data`` (hosts with the same key
    send the same APPLICATION_PRIVATE_DATA); None: never cache it."""

    def __init__(
        self, application_private_data: dict[str, Any], private_data_key: Hashable | None = None
    ) -> None:
        super().__init__(application_private_data=application_private_data)
        self._entry: _Decoded | None = None  # the cached message being processed
        self._private_data_key = private_data_key
        self._private_data = self.application_private_data  # psrpcore wraps it in each message it sends
        self._decoded: dict[uuid.UUID, _Decoded] = {}

    # -- incoming ----------------------------------------------------------------------------------

    def _process_message(self, message: PSRPMessage) -> PSRPEvent[Any, Any]:
        mtype = message.message_type
        data = message.data
        if mtype not in _DECODED or _SECURE in data or not data:
            return super()._process_message(message)
        key = (mtype, bytes(data))
        entry: _Decoded | None = _incoming.get(key)
        if entry is None:
            entry = _Decoded(deserialize(ElementTree.fromstring(data), cipher=self._cipher))  # noqa: S314
            _incoming.put(key, entry)
        if _psrpcore_log.isEnabledFor(logging.DEBUG):
            _psrpcore_log.debug("Processing PSRP Message (cached) - MessageType: %s", mtype.name)
        event = PSRPEvent.create(mtype, entry.ps_object, message.runspace_pool_id, message.pipeline_id)
        if mtype == PSRPMessageType.CreatePipeline and message.pipeline_id is not None:
            self._decoded[message.pipeline_id] = entry
        self._entry = entry
        try:
            getattr(self, f"_process_{mtype.name}")(event)
        finally:
            self._entry = None
        return event

    def _process_SessionCapability(self, event: Any) -> None:  # noqa: N802 - psrpcore's dispatch name
        entry = self._entry
        if entry is None or self.state == RunspacePoolState.Connecting:
            super()._process_SessionCapability(event)
            return
        # what psrpcore's client-and-server part and its server part do, the client's capability read once
        self.their_capability = entry.read(
            lambda o: SessionCapability(
                PSVersion=o.PSVersion, protocolversion=o.protocolversion, SerializationVersion=o.SerializationVersion
            )
        )
        self.prepare_message(self.our_capability)
        self.runspace_pool_id = event.runspace_pool_id

    def _process_InitRunspacePool(self, event: Any) -> None:  # noqa: N802 - psrpcore's dispatch name
        entry = self._entry
        if entry is None:
            super()._process_InitRunspacePool(event)
            return
        # psrpcore's own handler, the host information read once per distinct message
        apartment, arguments, host, threads, most, least = entry.read(
            lambda _o: (
                event.apartment_state,
                event.application_arguments,
                event.host_info,
                event.ps_thread_options,
                event.max_runspaces,
                event.min_runspaces,
            )
        )
        self.apartment_state = apartment
        self.application_arguments = arguments
        self.host = host
        self.thread_options = threads
        self._max_runspaces = most
        self._min_runspaces = least
        self.prepare_message(ApplicationPrivateData(ApplicationPrivateData=self.application_private_data))
        self._change_state(RunspacePoolState.Opened)

    def _process_CreatePipeline(self, event: Any) -> None:  # noqa: N802 - psrpcore's dispatch name
        entry = self._decoded.get(event.pipeline_id)
        if entry is None:
            super()._process_CreatePipeline(event)
            return
        pipe = self.pipeline_table.get(event.pipeline_id)
        if pipe is None:
            super()._process_CreatePipeline(event)  # raises psrpcore's own error
            return
        pipe.metadata = entry.pipeline()[0]

    def pipeline_request(self, event: Any) -> scripts.PipelineRequest:
        """What a CreatePipelineEvent asks for: read once per distinct CREATE_PIPELINE text."""
        entry = self._decoded.pop(event.pipeline_id, None)
        if entry is not None:
            return entry.pipeline()[1]
        return scripts.pipeline_request(event.pipeline.commands)

    # -- outgoing ----------------------------------------------------------------------------------

    def _outgoing_key(self, message: Any) -> Hashable | None:
        if isinstance(message, RunspacePoolStateMsg | PipelineState):
            if getattr(message, "ExceptionAsErrorRecord", None) is not None:
                return None
            state = message.RunspaceState if isinstance(message, RunspacePoolStateMsg) else message.PipelineState
            return (type(message).__name__, int(state))
        if isinstance(message, SessionCapability):
            return (
                "SessionCapability",
                str(message.PSVersion),
                str(message.protocolversion),
                str(message.SerializationVersion),
            )
        if (
            isinstance(message, ApplicationPrivateData)
            and self._private_data_key is not None
            and self.application_private_data is self._private_data
        ):
            # psrpcore's server sends APPLICATION_PRIVATE_DATA from the pool's own table only
            return ("ApplicationPrivateData", self._private_data_key)
        return None

    def prepare_message(
        self,
        message: Any,
        message_type: PSRPMessageType | None = None,
        pipeline_id: uuid.UUID | None = None,
        stream_type: StreamType = StreamType.default,
    ) -> None:
        key = None if message is None or isinstance(message, EndOfPipelineInput) else self._outgoing_key(message)
        if key is None:
            super().prepare_message(message, message_type, pipeline_id, stream_type)
            return
        mtype = message_type or PSRPMessageType.get_message_id(type(message))
        self.queue_constant(key, mtype, lambda: message, pipeline_id, stream_type)

    def queue_constant(
        self,
        key: Hashable,
        message_type: PSRPMessageType,
        build: Callable[[], Any],
        pipeline_id: uuid.UUID | None = None,
        stream_type: StreamType = StreamType.default,
    ) -> None:
        """Queue a message whose CLIXML is the same for every pool that gives the same ``key``; ``build``
        makes the message when its CLIXML is not cached yet. Framed as psrpcore's prepare_message
        frames it."""
        b_data: bytes | None = _outgoing.get(key)
        if b_data is None:
            element = serialize(
                build(), self._cipher, our_capability=self.our_capability, their_capability=self.their_capability
            )
            b_data = ElementTree.tostring(element, encoding="utf-8", method="xml")
            _outgoing.put(key, b_data)
        b_msg = create_message(self._is_client, message_type, b_data, self.runspace_pool_id, pipeline_id)
        object_id = self._fragment_counter  # a property that counts
        self._send_buffer.append(
            PSRPMessage(message_type, bytearray(b_msg), self.runspace_pool_id, pipeline_id, object_id, stream_type)
        )

    def _change_state(self, state: RunspacePoolState, error: Any = None, emit: bool = True) -> None:
        if not emit or error is not None or state in _UNSENT_STATES:
            super()._change_state(state, error, emit)
            return
        # psrpcore's server: the base class records the state, then the RUNSPACEPOOL_STATE goes out
        RunspacePool._change_state(self, state)
        self.queue_constant(
            ("RunspacePoolStateMsg", int(state.value)),
            PSRPMessageType.RunspacePoolState,
            lambda: RunspacePoolStateMsg(RunspaceState=state.value),
        )


class CachingServerPipeline(psrpcore.ServerPipeline):
    """A ServerPipeline whose PIPELINE_STATE messages without an error record come from the cache."""

    def _change_state(self, state: PSInvocationState, error: Any = None, emit: bool = True) -> None:
        pool = self.runspace_pool
        if not emit or error is not None or not isinstance(pool, CachingServerPool):
            super()._change_state(state, error, emit)
            return
        # psrpcore's server: the PIPELINE_STATE goes out, then the base class records the state
        pool.queue_constant(
            ("PipelineState", int(state)),
            PSRPMessageType.PipelineState,
            lambda: PipelineState(PipelineState=int(state)),
            self.pipeline_id,
        )
        Pipeline._change_state(self, state)
