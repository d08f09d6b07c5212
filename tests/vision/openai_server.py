"""A local HTTP server speaking OpenAI's chat-completions API, answering with scripted tool calls."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class FakeOpenAI:
    """`arguments`: the tool call's arguments string to answer with; `delay`: seconds to wait first."""

    arguments: str = "{}"
    delay: float = 0.0
    status: int = 200
    requests: list[dict] = field(default_factory=list)

    def app(self) -> Starlette:
        async def completions(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append({"json": body, "authorization": request.headers.get("authorization")})
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.status != 200:
                return JSONResponse(
                    {
                        "error": {
                            "message": "Rate limit reached",
                            "type": "requests",
                            "param": None,
                            "code": "rate_limit_exceeded",
                        }
                    },
                    status_code=self.status,
                )
            tool = body["tools"][0]["function"]["name"]
            return JSONResponse(
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "system_fingerprint": "fp_test",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "tool_calls",
                            "logprobs": None,
                            "message": {
                                "role": "assistant",
                                "content": None,
                                "refusal": None,
                                "tool_calls": [
                                    {
                                        "id": "call_1",
                                        "type": "function",
                                        "function": {"name": tool, "arguments": self.arguments},
                                    }
                                ],
                            },
                        }
                    ],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                }
            )

        return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
