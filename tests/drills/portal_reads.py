"""What the portal serves from a database and a storage, read in a process of its own (the drill
points DATABASE_URL and PRIVATE_FILES_DIR at a restored copy):

    python -m tests.drills.portal_reads <user e-mail> <path>...

logs in as the user and prints, as JSON, each path's status, the SHA-256 of its body and its text.
"""

from __future__ import annotations

import hashlib
import json
import sys

import django


def main(email: str, paths: list[str]) -> dict:
    from django.test import Client

    from portal.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    answers = {}
    for path in paths:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = "" if response.streaming else body.decode(errors="replace")
        answers[path] = {"status": response.status_code, "sha256": hashlib.sha256(body).hexdigest(), "text": text}
    return answers


if __name__ == "__main__":
    django.setup()
    print(json.dumps(main(sys.argv[1], sys.argv[2:])))
