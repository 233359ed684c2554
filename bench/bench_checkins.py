"""Benchmark: check-in submissions through a real server, and exactly-once under load.

Run ``python bench/bench_checkins.py`` (options: ``--requests``, ``--threads``,
``--workers``, ``--distinct``, ``--same``). It creates a temporary SQLite data folder,
migrates it, seeds one clinic with single-use links (about six per client), starts
``gunicorn`` on 127.0.0.1 on a free port, drives it with a bounded thread pool of
``http.client`` connections, stops it, prints one JSON object
and writes nothing into the repository.

* **Throughput.** Submissions per second (the POST of a complete PHQ-9; each form is
  fetched beforehand, as a client's phone does) against a bare Django view on the same
  server in the same run: ``GET /healthz`` (plain text "ok" through the full middleware
  stack; no database, session or template). The ratio is what to compare across machines.
* **Concurrency.** ``--distinct`` links submitted at the same moment, plus ``--same``
  concurrent submissions of one link (each from its own freshly fetched form, as two tabs
  would be). Exactly ``distinct + 1`` responses must be stored; the script checks the
  database file after the server has stopped, and exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

BIN = Path(sys.executable).parent
PHQ9 = {f"phq9_{n}": "1" for n in range(1, 10)}
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')

SEED = """
import json, sys
from datetime import timedelta
import django
django.setup()
from django.utils import timezone
from rapport.accounts.models import Role, User
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Client, Clinic, Episode

count = int(sys.argv[1])
clinic = Clinic.objects.create(name="Bench Clinic")
therapist = User.objects.create_user(
    "bench@bench.invalid", "bench-password-123", role=Role.THERAPIST, clinic=clinic
)
# Links spread over many clients, as in a clinic: about six answers per client.
clients = max(1, count // 6)
episodes = []
for n in range(clients):
    client = Client.objects.create(clinic=clinic, therapist=therapist, display_name=f"Bench {n}")
    episodes.append(
        Episode.objects.create(client=client, started_on=timezone.localdate() - timedelta(days=60))
    )
start = timezone.now() - timedelta(hours=1)
appointments = Appointment.objects.bulk_create(
    Appointment(episode=episodes[i % clients], starts_at=start - timedelta(days=i // clients))
    for i in range(count)
)
tokens = []
for appointment in appointments:
    _, token = checkin_create(
        actor=None, appointment=appointment, instrument_id="phq9", timing="after"
    )
    tokens.append(token)
json.dump(tokens, open(sys.argv[2], "w"))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data_dir: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("RAPPORT_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="rapport.settings",
        RAPPORT_SECRET_KEY="bench-only-secret-key-" + "x" * 32,
        RAPPORT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        RAPPORT_DATA_DIR=str(data_dir),
        RAPPORT_HTTPS="0",
        RAPPORT_STATIC_FROM_PACKAGE="1",
        RAPPORT_ALLOWED_HOSTS="127.0.0.1,localhost",
        RAPPORT_LOG_LEVEL="WARNING",
    )
    return env


@dataclass
class Server:
    host: str
    port: int
    tokens: list[str]
    database: Path
    process: subprocess.Popen

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def stop(self) -> None:
        """Stop gunicorn (the data folder stays until the context ends)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def running_server(links: int, *, workers: int = 4) -> Iterator[Server]:
    """A migrated, seeded SQLite data folder served by gunicorn; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as tmp:
        data = Path(tmp)
        env = _env(data)
        run = {"env": env, "cwd": tmp, "check": True, "capture_output": True}
        subprocess.run([str(BIN / "rapport"), "migrate", "-v", "0"], **run)
        tokens_file = data / "tokens.json"
        subprocess.run([sys.executable, "-c", SEED, str(links), str(tokens_file)], **run)
        port = _free_port()
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "rapport.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--backlog",
                "2048",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        tokens = json.loads(tokens_file.read_text())
        server = Server("127.0.0.1", port, tokens, data / "rapport.sqlite3", process)
        try:
            _wait_until_up(server, process)
            yield server
        finally:
            server.stop()


def _wait_until_up(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited: " + process.stderr.read().decode()[-2000:])
        try:
            conn = server.connection()
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


@dataclass
class Form:
    """A questionnaire as a phone got it: its link and its form key. The page sets no
    cookie and carries no CSRF token (the view is csrf_exempt: the link is the credential),
    so a submission sends neither, as a phone that blocks cookies would."""

    token: str
    key: str


def fetch_form(server: Server, token: str) -> Form:
    conn = server.connection()
    try:
        conn.request("GET", f"/c/{token}/")
        response = conn.getresponse()
        body = response.read().decode()
        if response.status != 200:
            raise RuntimeError(f"GET /c/…/ answered {response.status}")
        if response.getheader("Set-Cookie"):
            raise RuntimeError("GET /c/…/ set a cookie on the client's device")
        return Form(token, FORM_KEY.search(body).group(1))
    finally:
        conn.close()


def submit(server: Server, form: Form) -> int:
    conn = server.connection()
    try:
        body = urlencode({**PHQ9, "form_key": form.key})
        conn.request(
            "POST",
            f"/c/{form.token}/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def get_health(server: Server) -> int:
    conn = server.connection()
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _pool(jobs: list, work, threads: int) -> tuple[list, float]:
    """Run ``work(job)`` over ``jobs`` with at most ``threads`` at once; (results, seconds)."""
    results: list = [None] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            results[index] = work(jobs[index])

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, time.perf_counter() - started


def _all_at_once(jobs: list, work) -> list:
    """Every job in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index):
        barrier.wait()
        try:
            results[index] = work(jobs[index])
        except OSError as error:
            results[index] = repr(error)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def throughput(server: Server, tokens: list[str], *, threads: int) -> dict:
    get_health(server)  # warm every worker's imports a little
    baseline, baseline_s = _pool(list(range(len(tokens))), lambda _: get_health(server), threads)
    forms, forms_s = _pool(tokens, lambda t: fetch_form(server, t), threads)
    statuses, submit_s = _pool(forms, lambda f: submit(server, f), threads)
    if any(s != 200 for s in baseline) or any(s != 200 for s in statuses):
        raise RuntimeError(f"unexpected statuses: {sorted(set(baseline) | set(statuses))}")
    n = len(tokens)
    return {
        "requests": n,
        "threads": threads,
        "baseline_healthz_get_per_s": round(n / baseline_s, 1),
        "form_get_per_s": round(n / forms_s, 1),
        "submissions_per_s": round(n / submit_s, 1),
        "submissions_to_baseline_ratio": round(baseline_s / submit_s, 3),
    }


def concurrency(server: Server, distinct: list[str], shared: str, same: int) -> dict:
    """``distinct`` links and ``same`` submissions of ``shared``, all released at once."""
    forms = [fetch_form(server, t) for t in distinct]
    forms += [fetch_form(server, shared) for _ in range(same)]
    statuses = _all_at_once(forms, lambda f: submit(server, f))
    return {
        "distinct_links": len(distinct),
        "distinct_ok": sum(1 for s in statuses[: len(distinct)] if s == 200),
        "same_link_submissions": same,
        "same_link_ok": sum(1 for s in statuses[len(distinct) :] if s == 200),
        "same_link_refused_410": sum(1 for s in statuses[len(distinct) :] if s == 410),
        "other_statuses": sorted({str(s) for s in statuses if s not in (200, 410)}),
    }


def stored_responses(database: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        responses = db.execute("SELECT COUNT(*) FROM measures_response").fetchone()[0]
        used = db.execute(
            "SELECT COUNT(*) FROM checkins_checkin WHERE used_at IS NOT NULL"
        ).fetchone()[0]
    return responses, used


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="submissions timed")
    parser.add_argument("--threads", type=int, default=8, help="load generator threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--distinct", type=int, default=200, help="distinct links at once")
    parser.add_argument("--same", type=int, default=200, help="submissions of one link at once")
    args = parser.parse_args(argv)

    links = args.requests + args.distinct + 1
    with running_server(links, workers=args.workers) as server:
        tokens = server.tokens
        timed = throughput(server, tokens[: args.requests], threads=args.threads)
        burst = concurrency(
            server, tokens[args.requests : args.requests + args.distinct], tokens[-1], args.same
        )
        server.stop()
        responses, used = stored_responses(server.database)
    expected = args.requests + args.distinct + 1
    result = {
        "benchmark": "checkins",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "database": "sqlite (WAL, IMMEDIATE transactions)",
        "server": f"gunicorn, {args.workers} sync workers",
        "throughput": timed,
        "concurrency": burst,
        "stored_responses": responses,
        "expected_responses": expected,
        "concurrency_run_stored": responses - args.requests,
        "concurrency_run_expected": args.distinct + 1,
        "used_links": used,
        "exactly_once": responses == expected and used == expected,
    }
    print(json.dumps(result, indent=2))
    return 0 if result["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
