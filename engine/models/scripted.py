"""A deterministic scripted backend that still goes through the real grammar.

Tests give a script, ``{decision name: [response, response, ...]}``. Every
generation answers the decision named by the last ``Decision: <name>`` line
of the prompt with the next response for that name, cycling through the list
(so a two-call decision scripted as ["SELECT", "direct"] serves many questions).
The engine steers each token towards the scripted bytes; when the program's
grammar forbids the next scripted byte (a table that is not in the enum, a
write keyword in SQL) it raises ``ScriptRejectedByGrammar`` instead of quietly
sampling something else, so tests can prove what a grammar refuses.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from guidance._schema import SamplingParams
from guidance.models._base import Model
from guidance.models._engine import Engine, EngineInterpreter
from guidance.models._mock import MockTokenizer

from engine.errors import ConfigError, ModelError
from engine.models.handle import ModelHandle

_DECISION = re.compile(rb"Decision: (\w+)")
ASSISTANT_MARK = b"<|im_start|>assistant\n"  # guidance renders roles of byte-level models as ChatML
_BIG = 100.0
# Checks that a script written before them need not know about: their answer when the script has none
# (check_answerable: the question names nothing to check, so it passes through; phrase_kind: a
# phrase the schema does not cover is a noun, so it stays missing as it did before that decision).
NEUTRAL = {"check_answerable": '{"asks": []}', "phrase_kind": "noun"}


class ScriptRejectedByGrammar(ModelError):
    """The program's grammar forbids the scripted output: which decision, what was wanted, where."""

    code = "model_output_invalid"


class ScriptedEngine(Engine):
    """Byte-level engine: logits are flat; the choice is made at sampling time from the script.

    A generation starts when the engine must choose a token after a prompt that
    is not the continuation of the current generation (new text, or a newer
    ``Decision:`` line); text-only round trips (role blocks) never sample and
    so consume no response.
    """

    def __init__(self, script: dict[str, list[str]]) -> None:
        tokens = [b"<s>"] + [bytes([i]) for i in range(256)]
        super().__init__(MockTokenizer(tokens, special_token_ids=[0]), enable_backtrack=False, enable_ff_tokens=True, enable_monitoring=False)
        self.script = {k: list(v) for k, v in script.items()}
        self.used: dict[str, int] = {}
        self.generated: list[tuple[str, str]] = []  # (decision, response) per generation, for assertions
        self._last_ids: list[int] = []  # what a KV cache would hold, so usage shows cached input
        self._prompt = b""
        self._decision_at = -1  # offset of the Decision line the current generation answers
        self._response = b""
        self._decision = ""
        self._offset: int | None = None  # where the script starts in the assistant output (after forced text)

    def get_logits(self, token_ids: list[int], include_all_uncached_tokens: bool = False) -> dict[str, Any]:
        cached = min(_common_prefix(token_ids, self._last_ids), len(token_ids) - 1)  # the last token is always evaluated
        self._last_ids = list(token_ids)
        return {"logits": np.zeros((1, len(self.tokenizer.tokens))), "n_tokens": len(token_ids), "n_cached": cached}

    def get_next_token_with_top_k(self, logits, logits_lat_ms, token_ids, mask, temperature, k, compute_unmasked_probs, sampling_params):  # noqa: ANN001, ANN201
        data = b"".join(self.tokenizer.tokens[i] for i in token_ids)
        self._follow(data)
        output = data.rsplit(ASSISTANT_MARK, 1)[-1]
        if self._offset is None:
            self._offset = _alignment(output, self._response)
        done = output[self._offset:]
        if not self._response.startswith(done):
            raise ScriptRejectedByGrammar(
                f"decision {self._decision}: the grammar forced {output.decode(errors='replace')!r}, which departs from the script "
                f"{self._response.decode(errors='replace')!r} at byte {self._offset + len(os.path.commonprefix([done, self._response]))}; fix the script or the program's grammar"
            )
        rest = self._response[len(done):]
        wanted = 0 if not rest else 1 + rest[0]  # token 0 is end of sequence, 1+b is byte b
        if mask is not None and not mask[wanted]:  # mask None: the grammar may end here and takes any token as its end
            what = "the end" if wanted == 0 else repr(chr(wanted - 1))
            raise ScriptRejectedByGrammar(
                f"decision {self._decision}: the grammar refuses {what} at byte {len(output)} of the output, after {output.decode(errors='replace')!r} "
                f"(script: {self._response.decode(errors='replace')!r}); fix the script or the program's grammar"
            )
        steered = np.full(len(self.tokenizer.tokens), -_BIG)
        steered[wanted] = _BIG
        return super().get_next_token_with_top_k(steered, logits_lat_ms, token_ids, mask, temperature, k, compute_unmasked_probs, sampling_params)

    def _follow(self, data: bytes) -> None:
        """Start a new generation unless ``data`` continues the current one."""
        lines = list(_DECISION.finditer(data))
        if not lines:
            raise ModelError("scripted backend: the prompt names no 'Decision: <name>'", code="model_output_invalid")
        last = lines[-1]
        if self._prompt and data.startswith(self._prompt) and len(data) > len(self._prompt) and last.start() == self._decision_at:
            return
        name = last.group(1).decode()
        responses = self.script.get(name) or ([NEUTRAL[name]] if name in NEUTRAL else None)
        if not responses:
            raise ModelError(f"the script has no response for decision {name}; add \"{name}\": [...] to it", code="model_output_invalid")
        k = self.used.get(name, 0)
        self.used[name] = k + 1
        self._prompt, self._decision, self._decision_at, self._offset = data, name, last.start(), None
        self._response = responses[k % len(responses)].encode()
        self.generated.append((name, self._response.decode()))


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _alignment(output: bytes, response: bytes) -> int:
    """Where ``response`` starts in the assistant ``output`` produced before the first choice.

    The output may begin with text the program or grammar forced (a ```sql
    fence, a JSON key) that the script need not repeat: align on the longest
    tail of the output that starts the response.
    """
    return next(start for start in range(len(output) + 1) if response.startswith(output[start:]))


class ScriptedModel(Model):
    """``lm.engine`` (guidance's own accessor) is the ScriptedEngine, shared by every copy."""

    def __init__(self, script: dict[str, list[str]]) -> None:
        super().__init__(interpreter=EngineInterpreter(ScriptedEngine(script)), sampling_params=SamplingParams(), echo=False)


def scripted_model(script: dict[str, list[str]], *, grammar: bool = True, spec: str = "scripted") -> ModelHandle:
    """A ModelHandle (kind "scripted") answering from ``script``.

    ``grammar=False`` makes the programs take their JSON-only path, as on
    OpenAI: the SQL is then a free JSON string, which is how tests hand
    arbitrary (hostile) SQL to the validator and executor.
    """
    lm = ScriptedModel(script)
    return ModelHandle(spec=spec, name="scripted", kind="scripted", lm=lm, grammar=grammar, price=None, context_window=32768)


def load_script(path: str) -> dict[str, list[str]]:
    """Read a script file: a JSON object mapping decision names to lists of responses."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read scripted model file {path}: {exc}; pass a JSON object of decision -> [responses]") from None
    if not isinstance(data, dict) or not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values()):
        raise ConfigError(f"scripted model file {path} must hold a JSON object of decision name -> list of strings")
    return data
