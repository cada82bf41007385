"""schemathesis hooks of scripts/openapi/schemathesis.sh.

`POST /v1/rooms/{room}/comments` also takes NDJSON (`application/x-ndjson`), whose schema in
the document is one line's: a generated value is sent as one JSON line.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    return (json.dumps(value) + "\n").encode()
