"""A small Hugging Face Hub stand-in on 127.0.0.1, speaking the endpoints huggingface_hub uses
to create a repo, commit files and download a snapshot. Repos live in memory."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse


class Repo:
    def __init__(self) -> None:
        self.commits: dict[str, dict[str, bytes]] = {}
        self.refs: dict[str, str] = {}

    def resolve(self, revision: str) -> str | None:
        if revision in self.commits:
            return revision
        return self.refs.get(revision)


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"hub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def commit(self, repo_id: str, branch: str, changes: dict[str, bytes]) -> str:
        repo = self.repos.setdefault(repo_id, Repo())
        parent = repo.refs.get(branch) or repo.refs.get("main")
        files = dict(repo.commits[parent]) if parent else {}
        files.update(changes)
        oid = hashlib.sha1(
            json.dumps(
                sorted((k, hashlib.sha256(v).hexdigest()) for k, v in files.items())
            ).encode()
            + (parent or "").encode()
        ).hexdigest()
        repo.commits[oid] = files
        repo.refs[branch] = oid
        return oid

    def tamper(self, repo_id: str, commit: str, path: str, payload: bytes) -> None:
        self.repos[repo_id].commits[commit][path] = payload


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, *args) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode())

    def _missing(self, what: str, code: str = "RepoNotFound") -> None:
        self._send(404, json.dumps({"error": what}).encode(), {"X-Error-Code": code})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(f"{self.command} {path}")
        if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/revision/(.+)", path):
            repo, commit = self._lookup(match[1], match[2])
            if commit:
                siblings = [{"rfilename": p} for p in sorted(repo.commits[commit])]
                self._json({"id": match[1], "sha": commit, "siblings": siblings, "private": False})
            return
        if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/([^/]+)", path):
            repo, commit = self._lookup(match[1], match[2])
            if commit:
                files = repo.commits[commit]
                self._json(
                    [
                        {
                            "type": "file",
                            "path": p,
                            "size": len(b),
                            "oid": hashlib.sha1(b).hexdigest(),
                        }
                        for p, b in sorted(files.items())
                    ]
                )
            return
        if match := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            repo, commit = self._lookup(match[1], match[2])
            if not commit:
                return
            payload = repo.commits[commit].get(match[3])
            if payload is None:
                self._missing("entry not found", "EntryNotFound")
                return
            self._send(
                200,
                payload,
                {"X-Repo-Commit": commit, "ETag": f'"{hashlib.sha256(payload).hexdigest()}"'},
                content_type="application/octet-stream",
            )
            return
        self._missing(f"no route {path}")

    def _lookup(self, repo_id: str, revision: str):
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._missing(f"repository {repo_id} not found")
            return None, None
        commit = repo.resolve(revision)
        if commit is None:
            self._missing(f"revision {revision} not found", "RevisionNotFound")
            return repo, None
        return repo, commit

    def do_POST(self) -> None:
        path = unquote(urlparse(self.path).path)
        self.hub.requests.append(f"POST {path}")
        body = self._body()
        if path == "/api/repos/create":
            request = json.loads(body)
            repo_id = f"{request['organization']}/{request['name']}"
            self.hub.repos.setdefault(repo_id, Repo())
            self._json({"url": f"{self.hub.endpoint}/{repo_id}"})
            return
        if path == "/api/validate-yaml":
            self._json({})
            return
        if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/preupload/(.+)", path):
            files = json.loads(body)["files"]
            self._json(
                {
                    "files": [
                        {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                        for f in files
                    ]
                }
            )
            return
        if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/branch/(.+)", path):
            repo = self.hub.repos[match[1]]
            repo.refs.setdefault(match[2], repo.refs.get("main", ""))
            self._json({})
            return
        if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/commit/(.+)", path):
            changes = {}
            for line in body.splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    changes[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
            oid = self.hub.commit(match[1], match[2], changes)
            self._json(
                {"commitUrl": f"{self.hub.endpoint}/{match[1]}/commit/{oid}", "commitOid": oid}
            )
            return
        self._missing(f"no route {path}")
