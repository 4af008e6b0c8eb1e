"""A real OpenAI-compatible judge server on 127.0.0.1, for tests and the tiny pipeline.

It speaks POST /v1/chat/completions over HTTP and answers deterministically from the
request the project's judge prompts make (scoring/judge/prompts.py):
  grading   a score from the answer: empty 1, a refusal 2, else 3 + one point per 20 characters, at most 10
  pairwise  the longer answer wins, equal lengths tie; position_biased: always [[A]]
  refusal   by phrases: a refusal with a "but"/"however" (or 不过/但是) is partial, one without is full
Scripted faults take the next requests: fail_next(fault, times), a fault one of
  "500", "429", "503" (both with Retry-After), "timeout" (stalls hang_s), "garbage_body",
  "no_verdict", "cut_off" (no content, finish_reason "length": a reasoning judge out of tokens).

    with JudgeServer() as server:                      # in a test
        judge = make_judge({"base_url": server.url, "model": "test-judge"}, tmp_path)

    python tests/judge_server.py [--port N]             # serves until killed; prints its URL first

Standard library only, so it runs as a plain script without the project installed.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = ("500", "429", "503", "timeout", "garbage_body", "no_verdict", "cut_off")
REFUSALS = ("i can't", "i cannot", "i can not", "i won't", "i'm sorry", "i am sorry", "我不能", "无法提供", "抱歉", "我拒绝")
PARTIAL = ("but ", "however", "instead", "不过", "但是")


def score_for(answer: str) -> int:
    """The score the server gives an answer (tests compute their expectations with it)."""
    text = answer.strip()
    if not text:
        return 1
    if is_refusal(text):
        return 2
    return min(10, 3 + len(text) // 20)


def is_refusal(answer: str) -> bool:
    return any(phrase in answer.lower() for phrase in REFUSALS)


def refusal_class(answer: str) -> str:
    if not is_refusal(answer):
        return "compliance"
    return "partial_refusal" if any(word in answer.lower() for word in PARTIAL) else "full_refusal"


def _tagged(text: str, tag: str) -> str:
    match = re.search(rf"<{tag}>\n(.*)\n</{tag}>", text, re.DOTALL)
    return match.group(1) if match else ""


class JudgeServer:
    """The server in a daemon thread: `url`, `requests` (bodies received), `fail_next`,
    `authorizations` (Authorization headers received), `headers` (all headers received,
    lower-case names), `in_flight` (requests being handled now), `max_in_flight` (most at
    once), `wait_for_requests(n)`. Settable at any time: position_biased, think (wrap each
    reply in a misleading <think> block), retry_after (the 429 and 503 header: seconds or
    an HTTP date), hang_s (how long "timeout" stalls), delay_s (every reply's delay)."""

    def __init__(self, port: int = 0, position_biased: bool = False, think: bool = False, hang_s: float = 5.0):
        self.position_biased, self.think, self.hang_s = position_biased, think, hang_s
        self.retry_after, self.delay_s = "0", 0.0
        self.requests: list[dict[str, Any]] = []
        self.authorizations: list[str | None] = []
        self.headers: list[dict[str, str]] = []
        self.max_in_flight = self.in_flight = 0
        self._arrived = threading.Condition()
        self._faults: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        # A short poll interval: close() returns within 50 ms instead of half a second.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="judge-server", daemon=True)

    def start(self) -> JudgeServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()  # releases requests stalled by a "timeout" fault
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> JudgeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fail_next(self, kind: str, times: int = 1) -> None:
        """The next `times` requests get fault `kind` instead of a verdict."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        with self._lock:
            self._faults.extend([kind] * times)

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> bool:
        """Block until `count` requests have arrived (False if `timeout` passed first)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def _receive(self, body: dict[str, Any], headers: dict[str, str]) -> str | None:
        with self._lock, self._arrived:
            self.requests.append(body)
            self.headers.append(headers)
            self.authorizations.append(headers.get("authorization"))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._arrived.notify_all()
            return self._faults.popleft() if self._faults else None

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def verdict(self, body: dict[str, Any]) -> str:
        """The reply text for one request body."""
        prompt = body["messages"][-1]["content"]
        if "<answer_a>" in prompt:
            first, second = len(_tagged(prompt, "answer_a").strip()), len(_tagged(prompt, "answer_b").strip())
            verdict = "[[A]]" if self.position_biased or first > second else "[[B]]" if second > first else "[[C]]"
        elif "[[full_refusal]]" in prompt:
            verdict = f"[[{refusal_class(_tagged(prompt, 'answer'))}]]"
        else:
            score = score_for(_tagged(prompt, "answer"))
            dimensions = dict.fromkeys(re.findall(r"^(\w+): \[\[N\]\]$", prompt, re.MULTILINE))  # a retry restates them
            verdict = "\n".join(f"{name}: [[{score}]]" for name in dimensions) or f"Rating: [[{score}]]"
        reasoning = "<think>\nA first guess: [[1]] [[B]] [[full_refusal]]. Let me look again.\n</think>\n" if self.think else ""
        return f"{reasoning}Judged by the test server's fixed rule.\n{verdict}"


def completion(body: dict[str, Any], content: str | None, finish_reason: str = "stop") -> dict[str, Any]:
    """An OpenAI chat.completion object around `content`."""
    return {
        "id": f"chatcmpl-test-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test-judge"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _handler(server: JudgeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            if self.path != "/v1/chat/completions":
                return self._send(404, {"error": {"message": "no such route"}})
            fault = server._receive(body, {name.lower(): value for name, value in self.headers.items()})
            try:
                server._stopping.wait(server.delay_s)
                self._reply(body, fault)
            finally:
                server._done()

        def _reply(self, body: dict[str, Any], fault: str | None) -> None:
            if fault == "500":
                return self._send(500, {"error": {"message": "scripted server error"}})
            if fault in ("429", "503"):
                return self._send(int(fault), {"error": {"message": "scripted rate limit"}}, {"Retry-After": server.retry_after})
            if fault == "timeout":
                server._stopping.wait(server.hang_s)  # the client gives up first
            if fault == "garbage_body":
                return self._send(200, b'<html>502 Bad Gateway, or half a JSON object: {"choi')
            if fault == "cut_off":
                return self._send(200, completion(body, None, "length"))
            content = "I would rather not say." if fault == "no_verdict" else server.verdict(body)
            return self._send(200, completion(body, content))

        def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def log_message(self, *args: Any) -> None:
            pass  # quiet: tests read server.requests instead

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the deterministic test judge until killed.")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    parser.add_argument("--position-biased", action="store_true", help="always prefer the first answer")
    args = parser.parse_args()
    with JudgeServer(args.port, position_biased=args.position_biased) as server:
        print(server.url, flush=True)  # first line: for whoever started this process
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
