"""The answer as Server-Sent Events, as it is made.

Events, in order (``event: <name>`` then ``data: <one JSON object>``):

- ``queued`` {position, waiting}: while the request waits for the model, at each new position;
- ``started`` {model}: the model took the question;
- ``decision`` {program, output, tokens, ms}: each decision (resolve_follow_up, select_tables, choose_flow, check_answerable, plan_sql,
  plan_sql_candidate, repair_sql, plain_sql);
- ``attempt`` {sql, stage, error}: each SQL statement validated / run;
- ``result`` {status, row_count, truncated, columns}: the outcome;
- ``answer``: the whole Answer, exactly as ``POST /api/ask`` returns it;
- ``error`` {status, error}: instead of ``result`` and ``answer`` when the request failed (e.g. queue_full).

A comment line (``: keep-alive``) goes out every 15 s of silence so proxies keep
the stream open. The worker thread reports through ``loop.call_soon_threadsafe``;
if the client goes away, a question not yet started leaves the queue, and one
being answered finishes and frees its worker.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from engine.answer import Answer
from engine.errors import DecideSqlError
from engine.server.guard import error_payload
from engine.server.state import ServerState
from engine.session import Session

KEEP_ALIVE_S = 15.0
_END = object()


def event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


async def answer_events(
    state: ServerState,
    work: Callable[[Session, Callable[[str, dict], None]], Answer],
    payload_of: Callable[[Answer], dict[str, Any]],
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def from_thread(kind: str, data: dict) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, data))
        except RuntimeError:  # the loop closed (shutdown)
            pass

    async def on_position(position: int, waiting: int) -> None:
        await queue.put(("queued", {"position": position, "waiting": waiting}))

    async def produce() -> None:
        assert state.ask_pool is not None
        try:
            answer = await state.ask_pool.run(lambda session: work(session, from_thread), on_position)
            payload = payload_of(answer)
            await queue.put(("result", {k: payload.get(k) for k in ("status", "row_count", "truncated", "columns", "conversation_id")}))
            await queue.put(("answer", payload))
        except DecideSqlError as err:
            await queue.put(("error", error_payload(err)))
        except Exception as exc:  # noqa: BLE001 - a bug: one error event, never a traceback
            err = DecideSqlError(f"internal error: {type(exc).__name__} (rerun the server with DECIDE_SQL_DEBUG=1 and report it)", code="internal_error")
            await queue.put(("error", error_payload(err)))
        finally:
            await queue.put(_END)

    task = asyncio.create_task(produce())
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEP_ALIVE_S)
            except asyncio.TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if item is _END:
                break
            yield event(*item)
    finally:
        if not task.done():
            task.cancel()
