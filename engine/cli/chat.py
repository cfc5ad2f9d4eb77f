"""``decide-sql chat``: questions and follow-ups on the terminal, with the model kept warm.

Each line is a question; a follow-up ("and in 2024?") is resolved against the
earlier questions of the conversation (engine/conversation.py). After each
answer: the question as understood, the table, the SQL and the footer.
Commands: ``:sql`` shows the last SQL, ``:new`` starts a new conversation,
``:quit`` (or Ctrl-D) leaves.
"""

from __future__ import annotations

import sys

from engine.answer import Answer
from engine.cli.ask import footer
from engine.cli.options import DatabaseUrlOpt, MaxRowsOpt, ModelOpt, settings_from
from engine.cli.output import OutputFormat, emit, guard, progress

PROMPT = "? "
HELP = "Ask a question about the data; follow-ups refer to the earlier ones. :sql shows the last SQL, :new starts over, :quit leaves."


def chat_command(
    database_url: DatabaseUrlOpt = None,
    model: ModelOpt = None,
    max_rows: MaxRowsOpt = None,
) -> None:
    """Ask questions and follow-ups on the terminal (a REPL): table, SQL and footer after each answer."""
    from engine.conversation import ConversationStore
    from engine.session import Session

    with guard(OutputFormat.table):
        settings = settings_from(database_url, max_rows, model)
        with Session(settings=settings, progress=progress) as session:
            _ = session.model  # load before the first prompt
            store = ConversationStore(max_conversations=1, max_age_s=7 * 24 * 3600)
            conversation: str | None = None
            last: Answer | None = None
            write(HELP)
            while True:
                try:
                    line = input(PROMPT).strip()
                except (EOFError, KeyboardInterrupt):
                    write("")
                    return
                if not line:
                    continue
                if line in (":quit", ":q", ":exit"):
                    return
                if line == ":sql":
                    write(last.sql if last is not None and last.sql else "no SQL yet: ask a question first")
                    continue
                if line == ":new":
                    conversation, last = None, None
                    write("new conversation")
                    continue
                if line.startswith(":"):
                    write(f"unknown command {line.split()[0]}; {HELP}")
                    continue
                try:
                    last = store.ask(session, line, conversation_id=conversation)
                except KeyboardInterrupt:
                    write("interrupted; ask again or :quit")
                    continue
                conversation = last.conversation_id
                show(last, line)


def show(answer: Answer, asked: str) -> None:
    if answer.question != asked:
        write(f"(understood as: {answer.question})")
    if answer.status == "ok":
        emit(answer, OutputFormat.table, footer=footer(answer))
        return
    if answer.status == "clarify" and answer.clarification:
        lines = [answer.clarification.question] + [f"  {i}. {o}" for i, o in enumerate(answer.clarification.options, 1)]
    elif answer.status == "refused":
        lines = [f"refused: {answer.refusal_reason or (answer.error.message if answer.error else '')}"]
    elif answer.error:
        lines = [f"{answer.status} [{answer.error.code}]: {answer.error.message}"]
    else:
        lines = [answer.status]
    write("\n".join(lines + [footer(answer)]))


def write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
