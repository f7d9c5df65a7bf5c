"""A resident hammering a live board through the API: propose, vote, withdraw, comment.

Run as `python -m tests.ops.writer URL TOKEN SECONDS SEED STOPFILE`; stops when STOPFILE
appears, or after SECONDS or MAX_ACTIONS, and prints what it did as JSON. Conflicts (a vote
already there) are part of the game.
"""

from __future__ import annotations

import json
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

MAX_ACTIONS = 3000


def call(base: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def main(base: str, token: str, seconds: float, seed: int, stop: Path) -> dict:
    rng = random.Random(seed)
    done = {"proposed": 0, "voted": 0, "withdrawn": 0, "commented": 0, "errors": 0}
    known: list[int] = []
    deadline = time.monotonic() + seconds
    for n in range(MAX_ACTIONS):
        if time.monotonic() > deadline or stop.exists():
            break
        if n % 20 == 0:
            status, page = call(base, token, "GET", "/problems?sort=new")
            if status == 200:
                known = sorted({*known, *(item["id"] for item in page["items"])})
        action = "propose" if not known or rng.random() < 0.2 else rng.choice(["vote", "withdraw", "comment"])
        if action == "propose":
            status, item = call(
                base,
                token,
                "POST",
                "/problems",
                {
                    "title": f"Problem {seed}-{n}: the crossing on Elm Street",
                    "description": "The signal is too short for people who walk slowly.",
                    "data_request": "Signal timings per crossing.",
                },
            )
            if status == 201:
                known.append(item["id"])
                done["proposed"] += 1
        elif action == "vote":
            status, _ = call(base, token, "PUT", f"/problems/{rng.choice(known)}/vote")
            done["voted"] += status == 200
        elif action == "withdraw":
            status, _ = call(base, token, "DELETE", f"/problems/{rng.choice(known)}/vote")
            done["withdrawn"] += status == 200
        else:
            status, _ = call(
                base, token, "POST", f"/problems/{rng.choice(known)}/comments", {"body": f"Seen it too ({seed}-{n})."}
            )
            done["commented"] += status == 201
        if status >= 500:
            done["errors"] += 1
    return done


if __name__ == "__main__":
    url, token, seconds, seed, stop = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
    print(json.dumps(main(url, token, seconds, seed, stop)))
