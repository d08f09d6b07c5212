"""The I/O half of NL→pivot: one tool call to an OpenAI-compatible chat-completions API."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from axiom.errors import ApiError, QueryTimeout
from subgraphs.vision.cube.model import CubeModel
from subgraphs.vision.metrics import LLM_CALL_DURATION
from subgraphs.vision.nl.prompt import TOOL_NAME, Answer, InvalidAnswer, TermHint, messages, parse_answer, pivot_tool
from subgraphs.vision.settings import VisionSettings

if TYPE_CHECKING:
    from openai.types.chat import (
        ChatCompletionFunctionToolParam,
        ChatCompletionMessageParam,
        ChatCompletionNamedToolChoiceParam,
    )

LLM_DISABLED = "LLM_DISABLED"
LLM_UNAVAILABLE = "LLM_UNAVAILABLE"


class PivotAsker:
    """Asks the model (OPENAI_MODEL at OPENAI_BASE_URL) for a pivot; each call times out after QUERY_TIMEOUT."""

    def __init__(self, settings: VisionSettings):
        if not settings.openai_api_key:
            raise ApiError("NL→pivot is disabled: OPENAI_API_KEY is not set", code=LLM_DISABLED)
        import openai  # heavy (~0.3 s): imported when NL→pivot is configured, not with the app

        self.model = settings.openai_model
        self.max_rows = settings.max_rows
        self.client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=settings.query_timeout,
            max_retries=1,
        )

    async def close(self) -> None:
        await self.client.close()

    async def ask(
        self,
        cube: CubeModel,
        question: str,
        level_values: dict[str, list[str]],
        terms: dict[str, TermHint] | None = None,
    ) -> Answer:
        import openai

        started = time.perf_counter()
        outcome = "error"
        # The prompt module builds plain dicts (it imports no client); these are the shapes the API takes.
        prompt = cast("list[ChatCompletionMessageParam]", messages(cube, question, level_values, terms))
        tool = cast("ChatCompletionFunctionToolParam", pivot_tool(cube))
        choice: ChatCompletionNamedToolChoiceParam = {"type": "function", "function": {"name": TOOL_NAME}}
        try:
            completion = await self.client.chat.completions.create(
                model=self.model, messages=prompt, tools=[tool], tool_choice=choice, temperature=0
            )
            answer = parse_answer(cube, _arguments(completion), max_rows=self.max_rows)
            outcome = "ok"
            return answer
        except openai.APITimeoutError as exc:
            outcome = "timeout"
            raise QueryTimeout("the language model did not answer in time") from exc
        except InvalidAnswer:
            outcome = "invalid"
            raise
        except (openai.APIConnectionError, openai.APIStatusError) as exc:
            raise ApiError(f"the language model is unavailable ({type(exc).__name__})", code=LLM_UNAVAILABLE) from exc
        finally:
            LLM_CALL_DURATION.labels(outcome).observe(time.perf_counter() - started)


def _arguments(completion) -> str | None:
    choices = getattr(completion, "choices", None) or []
    if not choices:
        raise InvalidAnswer("the language model returned no choice")
    message = choices[0].message
    for call in message.tool_calls or []:
        if getattr(call, "function", None) is not None and call.function.name == TOOL_NAME:
            return call.function.arguments
    raise InvalidAnswer("the language model answered without calling the pivot tool")
