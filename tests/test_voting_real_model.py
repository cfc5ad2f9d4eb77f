"""Candidate voting with the real local model (Qwen2.5-Coder-0.5B via llama.cpp) on the demo database.

Three candidates: the greedy plan and two sampled ones, all after the same
prompt, so each sampled candidate reads the whole prompt from the KV cache
(all of it but the last token, which llama.cpp evaluates again for its logits).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.session import Session
from engine.settings import Settings
from tests.local_models import MECHANICS_MODEL

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def session(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    settings = Settings(database_url=demo_url, data_dir=tmp_path_factory.mktemp("data"), candidates=3)
    with Session(settings=settings, model=MECHANICS_MODEL) as s:
        yield s


def test_three_candidates_share_the_cached_prompt(session: Session) -> None:
    answer = session.ask("Which 3 customers placed the most orders?")
    assert answer.status == "ok", (answer.error, answer.attempts)
    assert len(answer.candidates) == 3 and [c.greedy for c in answer.candidates] == [True, False, False]
    assert sum(c.chosen for c in answer.candidates) == 1
    chosen = next(c for c in answer.candidates if c.chosen)
    assert chosen.votes == max(c.votes for c in answer.candidates) >= 1
    plans = [d for d in answer.decisions if d.program in ("plan_sql", "plan_sql_candidate")]
    assert [d.program for d in plans] == ["plan_sql", "plan_sql_candidate", "plan_sql_candidate"]
    greedy, *sampled = plans
    for d in sampled:
        assert d.input_tokens == greedy.input_tokens  # the same prompt
        assert d.cached_input_tokens == d.input_tokens - 1  # decoded only from the end of the prompt on
        assert d.output_tokens > 0
