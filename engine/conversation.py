"""Conversations: follow-up questions answered against the earlier turns.

A ``ConversationStore`` keeps, per ``conversation_id``, the turns asked so far
(question, the standalone question it was resolved to, its SQL and status).
``ConversationStore.ask`` resolves a follow-up ("and in 2024?") into a
standalone question with the ``resolve_follow_up`` decision, answers that with
``Session.ask`` (every read-only layer unchanged), records the turn and returns
the Answer with its ``conversation_id``. The store lives in memory only and is
bounded both in count (least recently used conversations go first) and in age
(a conversation idle for longer than ``max_age_s`` is forgotten), so a
long-running server cannot grow without bound. It is thread-safe; the Session
itself is not, so the caller serialises calls on one Session (the server's
request queue, the MCP server's lock).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.answer import Answer, Decision, ErrorInfo
from engine.errors import BadInput, DecideSqlError, ExitCode

MAX_TURNS_KEPT = 20  # per conversation; the decision reads only the latest few (programs/resolve_follow_up.py)
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and what answered it."""

    question: str  # as asked
    standalone: str  # what was answered: the question itself, or its rewrite
    sql: str | None
    status: str


@dataclass
class _Conversation:
    turns: list[Turn] = field(default_factory=list)
    last_used: float = 0.0


class ConversationStore:
    """Conversations in memory, bounded in count and age; safe to share between threads."""

    def __init__(self, max_conversations: int = 1000, max_age_s: float = 3600.0, *, clock: Callable[[], float] = time.monotonic) -> None:
        if max_conversations < 1 or max_age_s <= 0:
            raise ValueError("max_conversations must be >= 1 and max_age_s > 0")
        self.max_conversations = max_conversations
        self.max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._conversations)

    def turns(self, conversation_id: str) -> list[Turn]:
        """The turns of a conversation, oldest first (empty when unknown or expired)."""
        with self._lock:
            self._expire()
            conv = self._conversations.get(conversation_id)
            return list(conv.turns) if conv else []

    def start(self, turns: list[Turn] | None = None) -> str:
        """A new conversation (empty, or holding ``turns`` asked elsewhere, e.g. ``ask --after``); its id."""
        with self._lock:
            self._expire()
            cid = uuid.uuid4().hex
            self._conversations[cid] = _Conversation(turns=list(turns or [])[-MAX_TURNS_KEPT:], last_used=self._clock())
            self._bound()
            return cid

    def ask(self, session: Any, question: str, conversation_id: str | None = None, **ask_kwargs: Any) -> Answer:
        """Answer ``question`` in the conversation ``conversation_id`` (None starts one); never raises for per-question failures.

        ``session`` is an ``engine.Session``; ``ask_kwargs`` go to ``Session.ask``
        (``execute``, ``max_rows``, ``on_event``, ...). An unknown or expired
        id is an error answer (``unknown_conversation``), not a silent new
        conversation: the follow-up would be answered without what it follows.
        """
        if conversation_id is None:
            conversation_id = self.start()
        else:
            known = self._touch(conversation_id)
            if known is None:
                return _error_answer(question, conversation_id, known_format=bool(CONVERSATION_ID.match(conversation_id)))
        earlier = self.turns(conversation_id)
        resolved = None
        asked = question
        if earlier:
            try:
                resolved = self._resolve(session, earlier, question, ask_kwargs.get("on_event"))
            except DecideSqlError as err:
                answer = Answer(status="refused" if err.exit_code == ExitCode.REFUSED else "error", question=question, error=ErrorInfo(**err.to_dict()))
                answer.with_exit_code(err.exit_code)
                answer.conversation_id = conversation_id
                return answer
            asked = resolved.question
        answer = session.ask(asked, **ask_kwargs)
        if resolved is not None:
            _record(answer, resolved)
        self._add(conversation_id, Turn(question=question, standalone=answer.question, sql=answer.sql, status=answer.status))
        answer.conversation_id = conversation_id
        return answer

    # -- internals -------------------------------------------------------------
    def _resolve(self, session: Any, earlier: list[Turn], question: str, on_event: Callable[[str, dict], None] | None) -> Any:
        from engine.session import _check_question
        from programs.resolve_follow_up import resolve_follow_up

        _check_question(question)  # the same bad-input rules before the model sees it
        resolved = resolve_follow_up(session.model, earlier, question, schema=session.schema)
        if on_event is not None:
            u = resolved.usage
            on_event("decision", {"program": "resolve_follow_up", "output": resolved.model_dump(mode="json"), "tokens": u.input_tokens + u.output_tokens, "ms": u.ms})
        return resolved

    def _touch(self, conversation_id: str) -> _Conversation | None:
        with self._lock:
            self._expire()
            conv = self._conversations.get(conversation_id)
            if conv is not None:
                conv.last_used = self._clock()
                self._conversations.move_to_end(conversation_id)
            return conv

    def _add(self, conversation_id: str, turn: Turn) -> None:
        with self._lock:
            conv = self._conversations.get(conversation_id)
            if conv is None:  # expired or evicted while the question was answered: keep the answer's context anyway
                conv = self._conversations[conversation_id] = _Conversation()
            conv.turns = (conv.turns + [turn])[-MAX_TURNS_KEPT:]
            conv.last_used = self._clock()
            self._conversations.move_to_end(conversation_id)
            self._bound()

    def _expire(self) -> None:
        cutoff = self._clock() - self.max_age_s
        for cid in [cid for cid, conv in self._conversations.items() if conv.last_used < cutoff]:
            del self._conversations[cid]

    def _bound(self) -> None:
        while len(self._conversations) > self.max_conversations:
            self._conversations.popitem(last=False)  # least recently used


def turns_from_file(path: Path) -> list[Turn]:
    """The turns of earlier answers saved by ``decide-sql ask`` (one JSON object, or JSON Lines), for ``ask --after``."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read --after {path}: {getattr(exc, 'strerror', None) or exc}; pass a file written by decide-sql ask") from None
    turns = []
    for line in [text] if text.lstrip().startswith("{") and "\n{" not in text.strip() else text.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            answer = Answer.model_validate(data)
        except ValueError:
            raise BadInput(f"--after {path} is not an answer of decide-sql ask (JSON, or JSON Lines from --file); save one with decide-sql ask \"...\" > answer.json") from None
        turns.append(Turn(question=answer.question, standalone=answer.question, sql=answer.sql, status=answer.status))
    if not turns:
        raise BadInput(f"--after {path} holds no answer; save one with decide-sql ask \"...\" > answer.json")
    return turns


def ask_after(session: Any, path: Path, question: str, **ask_kwargs: Any) -> Answer:
    """Answer ``question`` as a follow-up of the answers saved in ``path`` (``decide-sql ask --after``)."""
    store = ConversationStore(max_conversations=1)
    return store.ask(session, question, conversation_id=store.start(turns_from_file(path)), **ask_kwargs)


def _record(answer: Answer, resolved: Any) -> None:
    """Put the follow-up decision first among the answer's decisions and count it in usage and timings."""
    u = resolved.usage
    llm = resolved.method == "model"
    answer.decisions.insert(
        0,
        Decision(
            program="resolve_follow_up",
            output=resolved.model_dump(mode="json"),
            llm_call=llm,
            calls=u.calls if llm else 0,
            input_tokens=u.input_tokens,
            cached_input_tokens=u.cached_input_tokens,
            output_tokens=u.output_tokens,
            forced_tokens=u.forced_tokens,
            ms=u.ms,
        ),
    )
    answer.usage.llm_calls += u.calls if llm else 0
    answer.usage.input_tokens += u.input_tokens
    answer.usage.cached_input_tokens += u.cached_input_tokens
    answer.usage.output_tokens += u.output_tokens
    answer.usage.forced_tokens += u.forced_tokens
    answer.timings["resolve_follow_up"] = round(u.ms, 1)
    answer.timings["total"] = round(answer.timings.get("total", 0.0) + u.ms, 1)


def _error_answer(question: str, conversation_id: str, *, known_format: bool) -> Answer:
    if known_format:
        err = BadInput(f"unknown or expired conversation_id {conversation_id!r}; omit conversation_id to start a new conversation", code="unknown_conversation")
    else:
        err = BadInput("conversation_id must be 1-64 letters, digits, '-' or '_'; omit it to start a new conversation", code="bad_conversation_id")
    answer = Answer(status="error", question=question, error=ErrorInfo(**err.to_dict()))
    answer.with_exit_code(err.exit_code)
    answer.conversation_id = conversation_id if known_format else None
    return answer
