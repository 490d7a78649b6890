#!/usr/bin/env python3
"""Writes tests/data/oauth1-vectors.json: OAuth 1.0a HMAC-SHA1 requests signed by oauthlib
(Python, RFC 5849), for the cases where RFC 5849 and the `ims-lti` conventions differ.

Each vector is a form POST signed end to end by `oauthlib.oauth1.Client` (signature in the
body, fixed nonce and timestamp), with the base string oauthlib computes for it. The Rust test
`tests/oauth1_vectors.rs` reads the committed file; Python is needed only to regenerate it:

    pip install oauthlib
    python3 scripts/oauth-vectors.py            # rewrites tests/data/oauth1-vectors.json
"""

import json
import os
import sys
from urllib.parse import urlsplit, urlunsplit

import oauthlib
from oauthlib.common import urldecode
from oauthlib.oauth1 import SIGNATURE_TYPE_BODY, Client
from oauthlib.oauth1.rfc5849 import signature

URL = "http://lti.example.test/lti/launch"
NONCE = "c0nfuzzvect0rn0nce"
TIMESTAMP = "1767225600"
LAUNCH = [
    ("lti_message_type", "basic-lti-launch-request"),
    ("lti_version", "LTI-1p0"),
    ("resource_link_id", "rl-42"),
    ("roles", "Instructor"),
]

# (name, what it exercises, query string, body pairs, consumer secret, token secret)
CASES = [
    (
        "names-needing-encoding",
        "parameter names with reserved and non-ASCII characters: RFC 5849 encodes names",
        "",
        LAUNCH + [("ext_a:b", "1"), ("ext_sp ace", "2"), ("custom_\u00f1", "3")],
        "plainsecret",
        "",
    ),
    (
        "prefix-names",
        "a name that is a prefix of another followed by a character sorting before '='",
        "",
        LAUNCH + [("ext_a", "x"), ("ext_a2", "y"), ("ext_b", "z"), ("ext_b-c", "w")],
        "plainsecret",
        "",
    ),
    (
        "repeated-names",
        "a repeated name: its values sorted by encoded value",
        "",
        LAUNCH + [("custom_tag", "b"), ("custom_tag", "a"), ("custom_tag", "10"), ("custom_tag", "")],
        "plainsecret",
        "",
    ),
    (
        "query-plus-body",
        "parameters in both the URL query and the body, one name in both",
        "ext_q%3Ar=2&custom_both=q",
        LAUNCH + [("custom_both", "b"), ("ext_body", "1")],
        "plainsecret",
        "",
    ),
    (
        "secret-reserved-characters",
        "a base64 consumer secret with + / =: RFC 5849 encodes the secret in the key",
        "",
        LAUNCH,
        "dGhpcyBpcyBh+c2VjcmV0/Lw==",
        "",
    ),
    (
        "secrets-percent-and-space",
        "consumer and token secrets with % and a space",
        "",
        LAUNCH + [("custom_x", "y")],
        "50% of a secret",
        "tok en/+=",
    ),
    (
        "values-reserved-and-unicode",
        "values with + ~ * ! ' ( ) % & = and non-ASCII, and an empty value",
        "",
        LAUNCH
        + [
            ("custom_v", "+ ~ * ! ' ( ) % & ="),
            ("custom_u", "caf\u00e9 \u65e5\u672c \U0001f600"),
            ("custom_empty", ""),
        ],
        "plainsecret",
        "",
    ),
    (
        "everything",
        "every hard case at once, with a base64 secret",
        "ext_q%20s=1",
        LAUNCH
        + [
            ("ext_a:b", "1"),
            ("ext_a", "p"),
            ("ext_a-b", "q"),
            ("custom_\u00f1", "\u00f1"),
            ("custom_r", "2"),
            ("custom_r", "1"),
        ],
        "Zq7V+n2L/x9R t4K%w8Hm3Pd6Jc1=",
        "",
    ),
]


def vector(name, about, query, body, consumer_secret, token_secret):
    url = URL + ("?" + query if query else "")
    client = Client(
        "confuzz-vectors",
        client_secret=consumer_secret,
        resource_owner_key="token" if token_secret else None,
        resource_owner_secret=token_secret or None,
        signature_type=SIGNATURE_TYPE_BODY,
        nonce=NONCE,
        timestamp=TIMESTAMP,
    )
    _, _, signed_body = client.sign(
        url,
        http_method="POST",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # The base string as oauthlib computes it when verifying the request it signed.
    params = signature.collect_parameters(uri_query=urlsplit(url).query, body=signed_body)
    normalized = signature.normalize_parameters(params)
    base = signature.signature_base_string(
        "POST", signature.base_string_uri(url), normalized
    )
    sig = signature.sign_hmac_sha1(base, consumer_secret, token_secret)
    sent = urldecode(signed_body)
    assert dict(sent)["oauth_signature"] == sig, name
    return {
        "name": name,
        "about": about,
        "method": "POST",
        "url": urlunsplit(urlsplit(url)._replace(query="")),
        "query": [list(p) for p in urldecode(query)],
        "body": [list(p) for p in sent],
        "consumer_secret": consumer_secret,
        "token_secret": token_secret,
        "base_string": base,
        "signature": sig,
    }


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "oauth1-vectors.json")
    document = {
        "generator": "scripts/oauth-vectors.py",
        "signed_by": "oauthlib " + oauthlib.__version__,
        "vectors": [vector(*case) for case in CASES],
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(CASES)} vectors to {os.path.normpath(out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
