"""Hosts a Lambda-style handler over HTTP for rekey's `http` and `lambda`
executors. This is the test double for AWS Lambda itself, which cannot run
here: in `lambda` mode it serves the Invoke API
(`POST /2015-03-31/functions/<name>/invocations`) and checks each request's
SigV4 signature with botocore before running the handler; a handler
exception becomes a 200 with `X-Amz-Function-Error: Unhandled`, as Lambda
answers.

usage: function_host.py http|lambda <module>.<function>
Prints `listening on <port>` once ready. Lambda mode expects the signing
credentials in HOST_ACCESS_KEY_ID / HOST_SECRET_ACCESS_KEY.
"""

import base64
import contextlib
import hmac
import io
import importlib
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
MODE = sys.argv[1]
module, function = sys.argv[2].rsplit(".", 1)
HANDLER = getattr(importlib.import_module(module), function)


def signature_ok(handler, body):
    """Re-signs the request with the expected credentials and compares."""
    auth = handler.headers.get("Authorization", "")
    try:
        scope = auth.split("Credential=")[1].split(",")[0].split("/")
        signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    except IndexError:
        return False, "malformed Authorization"
    if scope[0] != os.environ["HOST_ACCESS_KEY_ID"] or scope[3] != "lambda":
        return False, "wrong key or service in scope %s" % scope
    url = "http://%s%s" % (handler.headers["Host"], handler.path)
    headers = {k: handler.headers[k] for k in signed if k != "host"}
    req = AWSRequest(method="POST", url=url, data=body, headers=headers)
    req.context["timestamp"] = handler.headers["X-Amz-Date"]
    creds = Credentials(os.environ["HOST_ACCESS_KEY_ID"], os.environ["HOST_SECRET_ACCESS_KEY"])
    signer = SigV4Auth(creds, "lambda", scope[2])
    expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    got = auth.split("Signature=")[1]
    return hmac.compare_digest(expected, got), "signature mismatch"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if MODE == "lambda":
            if not (self.path.startswith("/2015-03-31/functions/") and self.path.endswith("/invocations")):
                return self.reply(404, {"Type": "User", "Message": "unknown path"})
            ok, why = signature_ok(self, body)
            if not ok:
                return self.reply(403, {"message": why}, [("x-amzn-ErrorType", "InvalidSignatureException")])
        # The server's address can change (a test restarts it): read it per call.
        endpoint = os.path.join(os.environ.get("REKEY_TEST_CONTROL", ""), "endpoint")
        if os.path.exists(endpoint):
            with open(endpoint) as f:
                os.environ["SECRETS_MANAGER_ENDPOINT"] = f.read().strip()
        # As Lambda does with `X-Amz-Log-Type: Tail`: what the handler
        # printed comes back, base64, in X-Amz-Log-Result (its last 4 KB).
        printed = io.StringIO()
        tail = MODE == "lambda" and self.headers.get("X-Amz-Log-Type") == "Tail"
        try:
            with contextlib.redirect_stdout(printed):
                result = HANDLER(json.loads(body), None)
            error = None
        except Exception as e:
            error = {"errorMessage": str(e), "errorType": type(e).__name__, "stackTrace": traceback.format_tb(e.__traceback__)}
            traceback.print_exc(file=printed)
        headers = []
        if tail:
            log = "START RequestId: test\n" + printed.getvalue() + "END RequestId: test\n"
            headers.append(("X-Amz-Log-Result", base64.b64encode(log.encode()[-4096:]).decode()))
        if error is None:
            return self.reply(200, result, headers)
        if MODE == "lambda":
            return self.reply(200, error, headers + [("X-Amz-Function-Error", "Unhandled")])
        return self.reply(500, error)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on %d" % server.server_address[1], flush=True)
server.serve_forever()
