"""A small browser for the cluster test: one person's cookies (requests.Session), HTTPS through
the balancer, a header that asks the balancer for one web node, and the forms of a page read
from its HTML (hidden fields, CSRF token, prefilled values) so a test posts what a browser would."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

from tests.cluster.topology import NODE_HEADER, SERVED_BY


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        return dict(self.fields)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                Form(attributes.get("action", ""), attributes.get("method", "get").lower())
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            form.fields.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attributes and not self._select_chosen:
                form.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.forms[-1].fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    """One person at `base_url`, on web node `node` ("a"/"b") or wherever the balancer sends."""

    def __init__(self, base_url: str, *, node: str | None = None, verify: str | bool = True):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.verify = verify
        # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would win over `verify`) nor its
        # proxies: only the balancer's own certificate, on the loopback.
        self.session.trust_env = False
        if node:
            self.session.headers[NODE_HEADER] = node
        self.served_by: list[str] = []

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        # Django checks the Referer of every HTTPS form post (CSRF): a browser sends it.
        headers.setdefault("Referer", self._url(path))
        kwargs.setdefault("timeout", 30)
        response = self.session.request(method, self._url(path), headers=headers, **kwargs)
        self.served_by.append(response.headers.get(SERVED_BY, "?"))
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data, **kwargs) -> requests.Response:
        return self.request("POST", path, data=data, **kwargs)

    def form(self, path: str, action: str = "", *, contains: str = "") -> tuple[Form, str]:
        """The first form on the page at `path` whose action ends with `action` (and whose
        fields include `contains`), and the address it posts to."""
        response = self.get(path)
        response.raise_for_status()
        for candidate in forms(response.text):
            if not candidate.action.endswith(action) and action:
                continue
            if contains and contains not in candidate.values():
                continue
            target = candidate.action or response.url
            return candidate, target
        raise LookupError(f"no form with action …{action!r} on {path}")

    def log_in(self, username: str, password: str) -> None:
        login, target = self.form("/admin/login/", contains="username")
        data = {**login.values(), "username": username, "password": password}
        response = self.post(target, data, allow_redirects=False)
        if response.status_code != 302:
            found = re.search(r'class="errornote">(.*?)<', response.text, re.S)
            raise RuntimeError(
                f"login of {username} failed ({response.status_code}): "
                f"{found.group(1).strip() if found else response.text[:300]}"
            )
