"""The orchestrator: question in, ``Answer`` out.

introspect (cached) -> select tables -> choose flow -> plan -> validate ->
execute -> repair on failure (bounded; then one plain-prompt fallback) ->
answer. A ``Session`` holds what many questions share (model, connection,
schema), so an eval run or ``ask --file`` loads the model once and
introspects once. Every decision's typed output, tokens and milliseconds are
recorded in the Answer.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from sqlglot import exp

from engine.answer import Answer, Attempt, Candidate, Clarification, Decision, ErrorInfo, Usage, ValueFix
from engine.values.doubts import Repeats, Shares, database_repeats, database_shares, doubts
from engine.errors import FATAL_DB_CODES, POLICY_CODES, BadInput, DatabaseError, DecideSqlError, ErrorCode, ExitCode, NoValidSql, SqlRefused
from engine.instruments import Instruments
from engine.models.handle import ModelHandle
from engine.models.seeded import seeded
from engine.rewrites.context import RewriteContext
from engine.rewrites.pipeline import parse_steps, rewrite
from engine.schema import Schema
from engine.settings import Settings
from engine.sql_tree import parse
from engine.words import normalize
from engine.voting import fingerprint, is_ordered, tally
from engine.values.index import MAX_HINTS, ValueIndex, ValueMatch, database_occurs, probe_executor, value_hints
from programs import QuestionContext, choose_flow, plan_sql, repair_sql, select_tables
from programs.check_answerable import check_answerable
from programs.context import MAX_QUESTION_CHARS, schema_budget
from programs.plain_sql import plain_sql
from programs.types import DecisionOutput, FlowDecision, SqlPlan, TableSelection

SAMPLE_TEMPERATURE = 0.8  # sampled plan candidates (Settings.candidates > 1): varied, still mostly on topic (0.5B model)
MAX_NAMED_VALUES = 100  # question values kept for literals_from_question (hints show fewer)
EMPTY_RESULT = "it ran but returned no rows; check that each filter uses the right column and a value that occurs in the data"
DOUBTFUL_RESULT = "it ran, but the data shows it answers another question"
RESULT_FIELDS = ("sql", "explanation", "tables", "columns", "rows", "row_count", "truncated", "status", "value_fixes", "sql_fixes", "doubts")


class Session:
    """Model + database instruments shared by many questions."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        database_url: str | None = None,
        model: ModelHandle | str | None = None,  # a loaded handle, a spec string, or None for settings.model
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings or Settings.load()
        if database_url:
            self.settings = self.settings.model_copy(update={"database_url": database_url})
        self._progress = progress
        self.rewrite_steps = parse_steps(self.settings.rewrites)  # None: every step
        self._model = model
        self._stack = ExitStack()
        started = time.perf_counter()
        self.instruments: Instruments = self._stack.enter_context(Instruments.open(self.settings, progress=progress))
        self.introspect_ms = (time.perf_counter() - started) * 1000
        self.probe = self._stack.enter_context(probe_executor(self.instruments.url, self.settings))
        self.shares: Shares = database_shares(self.probe)
        self.repeats: Repeats = database_repeats(self.probe)
        self._values: ValueIndex | None = None

    @property
    def values(self) -> ValueIndex:
        """The value index of the database, sampled on first use (bounded, read-only)."""
        if self._values is None:
            self._values = ValueIndex.build(self.schema, self.probe)
        return self._values

    @property
    def schema(self) -> Schema:
        return self.instruments.schema

    @property
    def model(self) -> ModelHandle:
        """The model handle, loaded on first use (assembly and load report progress)."""
        if self._model is None or isinstance(self._model, str):
            from engine.models.backends import load_model

            self._model = load_model(self._model or self.settings.model, self.settings, progress=self._progress)
        return self._model

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(
        self,
        question: str,
        *,
        execute: bool = True,
        trace: bool = False,
        max_attempts: int | None = None,
        max_rows: int | None = None,
        on_event: Callable[[str, dict], None] | None = None,
    ) -> Answer:
        """Answer one question. Never raises for per-question failures: they are in ``Answer.error``.

        ``on_event(kind, data)`` sees each decision ("decision": program, output, tokens, ms) and each SQL
        attempt ("attempt": sql, stage, error) as it happens (the server's live trace).
        """
        run = _Run(self, question, trace=trace, on_event=on_event)
        try:
            _check_question(question)
            run.answer.model = self.model.name
            run.execute(execute=execute, max_attempts=self.settings.max_attempts if max_attempts is None else max_attempts, max_rows=max_rows)
        except DecideSqlError as err:
            run.fail(err)
        return run.finish()


def _check_question(question: str) -> None:
    if not question or not question.strip():
        raise BadInput("empty question; ask something about the data, e.g. decide-sql ask \"how many orders are there?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInput(f"question is {len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,}: shorten it")
    if "\x00" in question:
        raise BadInput("question contains NUL bytes; pass plain text")


class _Run:
    """The state of one question while the decisions are made."""

    def __init__(self, session: Session, question: str, *, trace: bool, on_event: Callable[[str, dict], None] | None = None) -> None:
        self.session = session
        self.on_event = on_event
        self.trace = trace
        self.started = time.perf_counter()
        self.answer = Answer(status="error", question=question)
        self.answer.timings["introspect"] = round(session.introspect_ms, 1)
        self.exit_code = ExitCode.OK
        self.named_values: list[ValueMatch] = []  # stored values the question names (the value index's matches)
        self.doubt_tables: list[str] = []  # tables the last doubts name, shown to the repair

    # -- recording -----------------------------------------------------------
    def record(self, name: str, output: DecisionOutput) -> None:
        u = output.usage
        llm = getattr(output, "method", "model") == "model"
        self.answer.decisions.append(
            Decision(
                program=name,
                output=output.model_dump(mode="json"),
                llm_call=llm,
                calls=u.calls if llm else 0,
                input_tokens=u.input_tokens,
                cached_input_tokens=u.cached_input_tokens,
                output_tokens=u.output_tokens,
                forced_tokens=u.forced_tokens,
                ms=u.ms,
                prompt_chars=u.prompt_chars if self.trace else None,
                prompt=output.prompt if self.trace else None,
            )
        )
        self.answer.timings[name] = round(self.answer.timings.get(name, 0.0) + u.ms, 1)
        if self.on_event is not None:
            d = self.answer.decisions[-1]
            self.on_event("decision", {"program": name, "output": d.output, "tokens": d.input_tokens + d.output_tokens, "ms": d.ms})

    def attempted(self, attempt: Attempt) -> None:
        self.answer.attempts.append(attempt)
        if self.on_event is not None:
            self.on_event("attempt", attempt.model_dump(mode="json"))

    def snapshot(self) -> dict[str, object]:
        """The answer's result fields, to put back when a tried plan does no better (``restore``)."""
        return {name: copy.copy(getattr(self.answer, name)) for name in RESULT_FIELDS}

    def restore(self, kept: dict[str, object], *, copies: bool = False) -> None:
        for name, value in kept.items():
            setattr(self.answer, name, copy.copy(value) if copies else value)

    def timed(self, stage: str, started: float) -> None:
        self.answer.timings[stage] = round(self.answer.timings.get(stage, 0.0) + (time.perf_counter() - started) * 1000, 1)

    # -- the pipeline --------------------------------------------------------
    def execute(self, *, execute: bool, max_attempts: int, max_rows: int | None) -> None:
        s = self.session
        model, schema, q = s.model, s.schema, self.answer.question
        started = time.perf_counter()
        self.named_values = s.values.matches(q, limit=MAX_NAMED_VALUES)
        self.answer.value_hints = value_hints(self.named_values[:MAX_HINTS])
        self.timed("values", started)
        # The hints are not put into the prompt: the 0.5B model copied every hinted column into its
        # WHERE clause (measured on spider-dev), and with 1.5B hinted plans gained 2 and lost 5 of 45
        # questions on six databases (docs/results.md); grounding (try_plan) uses the same index instead.
        ctx = QuestionContext.build(schema, q, max_schema_tokens=schema_budget(model))

        selection = select_tables(model, schema, q, context=ctx)
        self.record("select_tables", selection)
        self.answer.tables = selection.all_tables

        flow = choose_flow(model, schema, q, selection=selection, context=ctx)
        self.record("choose_flow", flow)
        self.answer.flow = flow.flow
        if flow.flow == "refuse":
            self.answer.status = "refused"
            self.answer.refusal_reason = flow.reason or "the question asks for something this read-only engine will not do"
            self.answer.error = ErrorInfo(code="refused_by_decision", message=self.answer.refusal_reason)
            self.exit_code = ExitCode.REFUSED
            return
        if flow.flow == "clarify":
            self.answer.status = "clarify"
            self.answer.clarification = Clarification(question=flow.clarifying_question or "Could you make the question more specific?", options=flow.options)
            self.exit_code = ExitCode.CLARIFY
            return
        if s.settings.check_answerable and self.refused_as_not_in_database(model, schema, q, selection, ctx):
            return

        plan = plan_sql(model, schema, q, selection=selection, flow=flow, context=ctx)
        self.record("plan_sql", plan)
        plan = self.vote(plan, selection, flow, ctx, execute=execute, max_rows=max_rows)
        tried: set[str] = set()
        avoided: list[str] = []  # every name an error proved wrong: the schema does not change between repairs
        for attempt in range(max_attempts + 1):
            error = self.try_plan(plan, execute=execute, max_rows=max_rows)
            if error is None:
                if execute:
                    self.answer.doubts = self.doubts_about(self.answer.sql)
                    if (self.answer.row_count == 0 or self.answer.doubts) and attempt < max_attempts:
                        self.second_look(plan, selection, ctx, tried | {_normalized(plan.sql)}, max_rows=max_rows)
                return
            if error.code in POLICY_CODES or error.code in FATAL_DB_CODES:
                raise error
            tried.add(_normalized(plan.sql))
            if attempt == max_attempts:
                return self.fall_back(_gave_up(error, attempt + 1), ctx, tried, execute=execute, max_rows=max_rows)
            selection = _widen(selection, error, schema)
            checked = self.answer.attempts[-1].sql  # after the deterministic fixes: the SQL the error is about
            message = "; ".join([error.message, *s.values.misplaced_literals(checked, schema)])
            avoided = list(dict.fromkeys(avoided + _unknown_names(error)))
            repaired = self.repair(tried, failed_sql=checked, error=message, selection=selection, context=ctx, avoid=avoided)
            if repaired is None:  # greedy decoding repeated a failed query: another try would too
                return self.fall_back(_gave_up(error, attempt + 1), ctx, tried, execute=execute, max_rows=max_rows)
            plan = repaired

    def fall_back(self, gave_up: DecideSqlError, ctx: QuestionContext, tried: set[str], *, execute: bool, max_rows: int | None) -> None:
        """The last resort when the repairs ran out: one plain prompt (programs/plain_sql.py), checked like any plan.

        The grammar-bound plan and its repairs can stay stuck on one reading
        (the same missing column, a construct the grammar admits and
        PostgreSQL does not); a candidate from another prompt, without the
        grammar, is often a valid query (candidates from varied prompts,
        selected by execution). It goes through the same rewrites, validation
        and read-only execution; when it fails too, or when the failure was
        not about the SQL (a timeout), the question ends with ``gave_up``.
        """
        if not isinstance(gave_up, NoValidSql):
            raise gave_up
        s = self.session
        try:
            plan = plain_sql(s.model, s.schema, self.answer.question, context=ctx)
        except DecideSqlError:  # the repairs' error is the answer's
            raise gave_up from None
        self.record("plain_sql", plan)
        kept = self.snapshot()
        if _normalized(plan.sql) in tried:
            self.restore(kept)
            raise _after_fallback(gave_up, "wrote a query that had already failed")
        if (error := self.try_plan(plan, execute=execute, max_rows=max_rows)) is not None:
            self.restore(kept)
            raise _after_fallback(gave_up, f"failed with {error.code}: {error.message}")
        if execute:
            self.answer.doubts = self.doubts_about(self.answer.sql)

    def refused_as_not_in_database(self, model: ModelHandle, schema: Schema, q: str, selection: TableSelection, ctx: QuestionContext) -> bool:
        """A question about data no table holds is refused, not answered with rows about something else (opt-in:
        ``DECIDE_SQL_CHECK_ANSWERABLE``; with 1.5B on the development sets it also refuses 5% of answerable questions)."""
        answerable = check_answerable(model, schema, q, selection=selection, context=ctx, values=[m.text for m in self.named_values])
        if answerable.method == "model":  # a lexical pass (every word names something in the schema) is no decision
            self.record("check_answerable", answerable)
        if answerable.verdict != "missing":
            return False
        self.answer.status = "refused"
        self.answer.refusal_reason = answerable.reason
        self.answer.error = ErrorInfo(code="not_in_database", message=answerable.reason)
        self.exit_code = ExitCode.REFUSED
        return True

    def vote(self, plan: SqlPlan, selection: TableSelection, flow: FlowDecision, ctx: QuestionContext, *, execute: bool, max_rows: int | None) -> SqlPlan:
        """The plan to go on with: with ``Settings.candidates`` K > 1, the winner of K candidates voted by their results.

        The greedy plan and K-1 sampled in the same grammar after the same prompt
        (so llama.cpp's KV cache serves the prompt and each candidate costs its
        own decode) each go through rewrite, validation and execution; equal
        results form a group and the largest group wins (engine/voting.py).
        The answer keeps only the winner's state and attempt; the repair loop
        then runs the winner as it ran the greedy plan before. When no
        candidate runs, the greedy plan goes on to the repairs as with K = 1.
        """
        k = self.session.settings.candidates
        if k <= 1 or not execute:
            return plan
        s = self.session
        plans = [plan]
        for i in range(k - 1):
            with seeded(f"{self.answer.question}\0candidate {i}"):  # the same question draws the same candidates
                sampled = plan_sql(s.model, s.schema, self.answer.question, selection=selection, flow=flow, context=ctx, temperature=SAMPLE_TEMPERATURE)
            self.record("plan_sql_candidate", sampled)
            plans.append(sampled)
        kept = self.snapshot()
        n_attempts = len(self.answer.attempts)
        seen: dict[str, Candidate] = {}  # one run per distinct SQL
        ballots: list[Candidate] = []
        for i, p in enumerate(plans):
            key = _normalized(p.sql)
            if key not in seen:
                self.restore(kept, copies=True)
                error = self.try_plan(p, execute=True, max_rows=max_rows)
                if error is None:
                    fp = fingerprint(self.answer.rows, ordered=is_ordered(self.answer.sql or ""))
                    seen[key] = Candidate(sql=self.answer.sql or "", status="ok", fingerprint=fp, row_count=self.answer.row_count)
                else:
                    status = "refused" if isinstance(error, SqlRefused) else "error"
                    seen[key] = Candidate(sql=self.answer.attempts[-1].sql, status=status, error_code=error.code)
            ballots.append(seen[key].model_copy(update={"greedy": i == 0}))
        self.restore(kept)
        del self.answer.attempts[n_attempts:]
        winner, votes = tally([b.fingerprint for b in ballots], [bool(b.row_count) for b in ballots])
        for b, v in zip(ballots, votes):
            b.votes = v
        if winner is not None:
            ballots[winner].chosen = True
        self.answer.candidates = ballots
        return plans[winner] if winner is not None else plan

    def doubts_about(self, sql: str) -> list[str]:
        """What the data says against a query that ran (engine/values/doubts.py)."""
        s, started = self.session, time.perf_counter()
        found = doubts(sql, s.schema, s.values, occurs=database_occurs(s.probe), shares=s.shares, repeats=s.repeats)
        self.timed("doubts", started)
        self.doubt_tables = [t for d in found for t in d.tables]
        return [d.text for d in found]

    def second_look(self, plan: SqlPlan, selection: TableSelection, ctx: QuestionContext, tried: set[str], *, max_rows: int | None) -> None:
        """One repair of a query that ran but found no rows or raised doubts; the repair replaces it only if it does better.

        An empty result is more often a wrong filter (column or value) than the
        true answer (execution-guided decoding), and a doubt is a sign in the
        data that the query answers another question. The repair's answer is
        kept when it finds rows, has fewer doubts and still writes every
        value the question names that the first query wrote; otherwise the
        first answer stands (a repair that fails, repeats itself, finds
        nothing or drops what was asked for is no better).
        """
        s = self.session
        kept = self.snapshot()
        before = len(self.answer.doubts) + (self.answer.row_count == 0)
        named = self.named_values_in(self.answer.sql or "")
        reason = [EMPTY_RESULT if self.answer.row_count == 0 else DOUBTFUL_RESULT, *self.answer.doubts]
        selection = _with_tables(selection, [t for t in self.doubt_tables if s.schema.table(t) is not None])
        try:
            repaired = self.repair(tried, failed_sql=plan.sql, error="; ".join(reason), selection=selection, context=ctx)
            if repaired is not None and self.try_plan(repaired, execute=True, max_rows=max_rows) is None and self.answer.row_count > 0:
                self.answer.doubts = self.doubts_about(self.answer.sql)
                if len(self.answer.doubts) < before and self.named_values_in(self.answer.sql) >= named:
                    return
        except DecideSqlError:  # the first answer is still an answer
            pass
        self.restore(kept)

    def named_values_in(self, sql: str) -> int:
        """How many stored values the question names the query writes as literals.

        A repair that finds rows by dropping a filter on a value the question
        names (``WHERE region = 'north'`` gone, every row returned) answers
        another question: it does not replace the answer it was asked to mend.
        """
        tree = parse(sql)
        written = {normalize(lit.this) for lit in tree.find_all(exp.Literal) if lit.is_string} if tree is not None else set()
        return len({normalize(m.value) for m in self.named_values} & written)

    def repair(self, tried: set[str], **request: Any) -> SqlPlan | None:
        """The repair decision's query, or None when it repeats one of the queries ``tried``.

        Greedy decoding of the same prompt would give the same query again, so
        a repeat ends the repairs. Sampling the repair again when it repeats was
        measured (docs/results.md, twentieth session) and not kept: one question
        gained on one database (broker, 0.5B), none on the other seven.
        """
        s = self.session
        plan = repair_sql(s.model, s.schema, self.answer.question, **request)
        self.record("repair_sql", plan)
        return plan if _normalized(plan.sql) not in tried else None

    def try_plan(self, plan: SqlPlan, *, execute: bool, max_rows: int | None) -> DecideSqlError | None:
        """Validate and run one plan; return the error to repair, or None when it worked."""
        inst = self.session.instruments
        self.answer.sql, self.answer.explanation = plan.sql, plan.explanation
        started = time.perf_counter()
        ctx = RewriteContext(schema=inst.schema, question=self.answer.question, sql=plan.sql, probe=self.session.probe, values=self.session.values, named_values=self.named_values)
        done = rewrite(plan.sql, ctx, steps=self.session.rewrite_steps)
        sql = done.sql
        self.answer.value_fixes += [ValueFix(column=f.column or "", before=f.before, after=f.after) for f in done.value_fixes]
        self.answer.sql_fixes += [str(f) for f in done.sql_fixes]
        self.timed("values", started)
        started = time.perf_counter()
        try:
            checked = inst.validate(sql, max_rows=max_rows)
        except SqlRefused as err:
            self.timed("validate", started)
            self.attempted(Attempt(sql=sql, stage="validate", error=ErrorInfo(**err.to_dict()), planned_sql=plan.sql))
            return err
        self.timed("validate", started)
        self.answer.sql, self.answer.tables = checked.sql, checked.tables
        if not execute:
            self.attempted(Attempt(sql=checked.sql, stage="skipped", planned_sql=plan.sql))
            self.answer.status = "ok"
            return None
        started = time.perf_counter()
        try:
            result = inst.run(checked.sql)
        except DatabaseError as err:
            self.timed("execute", started)
            self.attempted(Attempt(sql=checked.sql, stage="execute", error=ErrorInfo(**err.to_dict()), planned_sql=plan.sql))
            return err
        self.timed("execute", started)
        self.attempted(Attempt(sql=checked.sql, stage="ok", planned_sql=plan.sql))
        self.answer.columns, self.answer.rows = result.columns, result.rows
        self.answer.row_count, self.answer.truncated = result.row_count, result.truncated
        self.answer.status = "ok"
        return None

    def fail(self, err: DecideSqlError) -> None:
        self.answer.status = "refused" if err.exit_code == ExitCode.REFUSED else "error"
        self.answer.error = ErrorInfo(**err.to_dict())
        self.exit_code = err.exit_code

    def finish(self) -> Answer:
        a = self.answer
        a.usage = _total_usage(a.decisions, getattr(self.session._model, "price", None))
        a.timings["total"] = round((time.perf_counter() - self.started) * 1000 + a.timings.get("introspect", 0.0), 1)
        a.with_exit_code(self.exit_code)
        return a


def _normalized(sql: str) -> str:
    return " ".join(sql.lower().rstrip("; \n").split())


def _unknown_names(error: DecideSqlError) -> list[str]:
    """Identifiers the error found not to exist (``ErrorDetails.unknown_names``): no later repair may write them again."""
    return list(error.details.unknown_names) if error.details else []


def _widen(selection: TableSelection, error: DecideSqlError, schema: Schema) -> TableSelection:
    """Add the tables an error points at for the repair: its foreign-key path, or the tables of the columns it suggests."""
    if error.details is None:
        return selection
    named = error.details.join_path or [s.rpartition(".")[0] for s in error.details.suggested]
    return _with_tables(selection, [t for t in named if schema.table(t) is not None])


def _gave_up(error: DecideSqlError, attempts: int) -> DecideSqlError:
    """The error a benign question ends with when the repairs run out: ``no_valid_sql``, not a policy refusal.

    A database failure that is not about the SQL (a timeout, a result too large) keeps its own code.
    """
    if isinstance(error, SqlRefused) or error.code == ErrorCode.SQL_ERROR:
        return NoValidSql(f"no valid SQL after {attempts} attempt{'s' * (attempts > 1)}; the last one failed with {error.code}: {error.message}", details=error.details)
    return error


def _after_fallback(gave_up: NoValidSql, what: str) -> NoValidSql:
    """``gave_up`` with what the plain-prompt fallback did, so the message counts every query tried."""
    return NoValidSql(f"{gave_up.message}; a last plain prompt without the grammar {what}", details=gave_up.details)


def _with_tables(selection: TableSelection, named: list[str]) -> TableSelection:
    """``selection`` with ``named`` among its added tables, so that the repair is shown them (programs/plan_sql.py lists
    the failed query's tables and the added ones; a table allowed but not added stays unmentioned)."""
    extra = [n for n in dict.fromkeys(named) if n not in selection.added]
    if not extra:
        return selection
    return selection.model_copy(update={"added": selection.added + extra})


def _total_usage(decisions: list[Decision], price: tuple[float, float] | None) -> Usage:
    usage = Usage(
        llm_calls=sum(d.calls for d in decisions),
        input_tokens=sum(d.input_tokens for d in decisions),
        cached_input_tokens=sum(d.cached_input_tokens for d in decisions),
        output_tokens=sum(d.output_tokens for d in decisions),
        forced_tokens=sum(d.forced_tokens for d in decisions),
    )
    if price:
        usage.cost_usd = round((usage.input_tokens * price[0] + usage.output_tokens * price[1]) / 1_000_000, 6)
    return usage


def exit_code_of(answer: Answer) -> int:
    """The CLI exit code for an answer (0 ok, 3 refused, 6 clarify, else the error's class)."""
    return answer.exit_code
