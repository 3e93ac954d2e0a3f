"""The gRPC face of the engine: chorus.v1.ChatService.

Each call's log lines carry its request id (the ``x-request-id`` metadata,
else ``CompleteRequest.request_id``), the caller's id of this completion as
``reply_id`` (the room service passes its reply's id) and the model; its
outcome, tokens and times are recorded in ``chorus_chat.metrics``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import grpc
from chorus.v1 import chat_pb2
from chorus_common import context as log_context

from chorus_chat import convert, metrics
from chorus_chat.completion import Chunk, Failure, Finish, TextDelta, ToolCallDelta, Usage
from chorus_chat.engine import ChatEngine
from chorus_chat.errors import ChatError

#: The model label of requests naming no registered model (keeps labels bounded).
UNKNOWN_MODEL = "unknown"

SERVICE_NAME: str = chat_pb2.DESCRIPTOR.services_by_name["ChatService"].full_name


class ChatServicer:
    def __init__(self, engine: ChatEngine) -> None:
        self._engine = engine
        self._model_ids = frozenset(entry.spec.id for entry in engine.models())

    def _model_label(self, requested: str) -> str:
        model = requested or self._engine.default_model
        return model if model in self._model_ids else UNKNOWN_MODEL

    async def Complete(
        self, request: chat_pb2.CompleteRequest, context: Any
    ) -> AsyncIterator[chat_pb2.CompleteChunk]:
        received_at = time.monotonic()
        model = self._model_label(request.model)
        caller_id = log_context.clean_id(request.request_id)
        # Each call runs in its own task: these ids stay with this call.
        log_context.bind(
            request_id=log_context.request_id_from(context.invocation_metadata()) or caller_id,
            reply_id=caller_id,
            model=model,
        )
        outcome = _Outcome(model, received_at)
        metrics.IN_FLIGHT.inc()
        try:
            try:
                completion = convert.request_from_proto(request)
            except ChatError as exc:
                failure = Failure.of(exc)
                outcome.saw(failure)
                yield convert.failure_to_proto(failure)
                return
            # Cancelling the call cancels this generator, which closes the
            # engine's stream, which stops the model.
            stream = self._engine.complete(completion, received_at=received_at)
            async with aclosing(stream) as chunks:
                async for chunk in chunks:
                    outcome.saw(chunk)
                    yield convert.chunk_to_proto(chunk)
        finally:
            metrics.IN_FLIGHT.dec()
            outcome.record(time.monotonic() - received_at)

    async def ListModels(
        self, request: chat_pb2.ListModelsRequest, context: Any
    ) -> chat_pb2.ListModelsResponse:
        return convert.models_to_proto(self._engine.models(), self._engine.default_model)

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE_NAME,
            {
                "Complete": grpc.unary_stream_rpc_method_handler(
                    self.Complete,
                    request_deserializer=chat_pb2.CompleteRequest.FromString,
                    response_serializer=chat_pb2.CompleteChunk.SerializeToString,
                ),
                "ListModels": grpc.unary_unary_rpc_method_handler(
                    self.ListModels,
                    request_deserializer=chat_pb2.ListModelsRequest.FromString,
                    response_serializer=chat_pb2.ListModelsResponse.SerializeToString,
                ),
            },
        )


class _Outcome:
    """What one call's stream said, turned into metrics as it goes and at its end.

    The first token is recorded when it is sent, so that a call its caller
    stops early (a room cuts a reply that starts writing someone else's line)
    still counts; so do the tokens it streamed, one per delta, when no
    `Usage` came to count them exactly.
    """

    def __init__(self, model: str, received_at: float) -> None:
        self.model = model
        self.received_at = received_at
        self.outcome = "cancelled"  # until a Finish or a Failure says otherwise
        self.deltas = 0
        self.counted = False

    def saw(self, chunk: Chunk) -> None:
        if isinstance(chunk, TextDelta | ToolCallDelta):
            if self.deltas == 0:
                metrics.FIRST_TOKEN.labels(self.model).observe(time.monotonic() - self.received_at)
            self.deltas += 1
        elif isinstance(chunk, Usage):
            self.counted = True
            metrics.record_usage(
                self.model,
                prompt_tokens=chunk.prompt_tokens,
                completion_tokens=chunk.completion_tokens,
                cached_tokens=chunk.prompt_tokens_cached,
            )
        elif isinstance(chunk, Finish):
            self.outcome = chunk.reason.value
        elif isinstance(chunk, Failure):
            self.outcome = chunk.code.value
            metrics.ERRORS.labels(self.model, chunk.code.value).inc()

    def record(self, seconds: float) -> None:
        if not self.counted and self.deltas:
            metrics.COMPLETION_TOKENS.labels(self.model).inc(self.deltas)
        metrics.COMPLETIONS.labels(self.model, self.outcome).inc()
        if self.outcome != "cancelled":
            metrics.DURATION.labels(self.model).observe(seconds)
