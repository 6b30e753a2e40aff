"""A webhook receiver written for the tests: a real HTTP server on 127.0.0.1 in a thread that records every
request and answers as told (status, delay). Private networks are allowed while it runs."""

import hashlib
import hmac
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from abs_platform.tenancy.context import tenant_context
from tests.conftest import as_tenant
from webhooks import services
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The verification snippet of docs/api.md "Webhooks", as an integrator would paste it."""
    timestamp = headers["X-ABS-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-ABS-Signature"])


class Receiver:
    def __init__(self):
        self.requests = []
        self.answers = []  # (status, seconds to wait before answering), first first; then 200 at once

    def answer(self, *answers):
        self.answers.extend(answers)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status, wait = state.answers.pop(0) if state.answers else (200, 0)
            time.sleep(wait)
            try:
                self.send_response(status)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()
                self.wfile.write(b"received" if status < 300 else b"receiver error")
            except OSError:  # the sender gave up waiting
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks?team=ops"
    yield state
    server.shutdown()
    server.server_close()


def send(tenant, delivery_id):
    """What the queued send task does with the delivery's current claim (another one when none holds it): the
    attempt's number, or None."""
    with as_tenant(tenant):
        claim = WebhookDelivery.objects.get(pk=delivery_id).claim or uuid.uuid4()
    return deliver.apply(args=[tenant.pk, delivery_id, str(claim)]).get()


def send_due(tenant, now=None) -> int:
    with tenant_context(tenant):
        return services.deliveries_send_due(now=now)
