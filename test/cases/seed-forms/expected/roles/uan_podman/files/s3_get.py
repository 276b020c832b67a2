#!/usr/bin/python3
# Managed by uan-k3s; edit uan-k3s.yaml and run "uan-k3s gen-roles"
"""Download one object from S3 (Ceph RGW) with AWS Signature Version 4, Python's standard
library only: what HPE's uan_podman does with amazon.aws.aws_s3, without boto3 or a
collection on the node. Usage: s3_get.py ENDPOINT BUCKET KEY DEST VALIDATE_CERTS, with the
credentials in S3_ACCESS_KEY and S3_SECRET_KEY (the environment, not the command line that
ps shows). Prints one JSON object: changed, status (200, an HTTP error, or -1) and msg."""

import datetime
import hashlib
import hmac
import json
import os
import ssl
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def authorization(method, host, path, headers, access_key, secret_key, region, amz_date):
    """The Authorization header of a request without a body or query (SigV4, service s3).
    `headers` are the x-amz-* and other headers to sign besides host (lower-case names)."""
    signed = dict(headers, host=host)
    names = sorted(signed)
    canonical = "\n".join([
        method,
        urllib.parse.quote(path, safe="/~"),
        "",
        "".join("%s:%s\n" % (name, str(signed[name]).strip()) for name in names),
        ";".join(names),
        signed.get("x-amz-content-sha256", EMPTY_SHA256),
    ])
    scope = "%s/%s/s3/aws4_request" % (amz_date[:8], region)
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    ])
    key = _hmac(("AWS4" + secret_key).encode("utf-8"), amz_date[:8])
    for part in (region, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key, scope, ";".join(names), signature)


def fetch(endpoint_url, bucket, key, dest, validate_certs, access_key, secret_key, region="us-east-1"):
    endpoint = urllib.parse.urlsplit(endpoint_url)
    path = "%s/%s/%s" % (endpoint.path.rstrip("/"), bucket, key)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    headers["Authorization"] = authorization(
        "GET", endpoint.netloc, path, headers, access_key, secret_key, region, amz_date)
    url = "%s://%s%s" % (endpoint.scheme, endpoint.netloc, urllib.parse.quote(path, safe="/~"))
    context = None
    if endpoint.scheme == "https" and not validate_certs:
        context = ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30, context=context) as answer:
            data = answer.read()
    except urllib.error.HTTPError as error:
        return {"changed": False, "status": error.code,
                "msg": "S3 answered %s %s for %s" % (error.code, error.reason, url)}
    except (urllib.error.URLError, OSError) as error:
        return {"changed": False, "status": -1, "msg": "S3 did not answer at %s: %s" % (url, error)}
    if os.path.exists(dest):
        with open(dest, "rb") as current:
            if current.read() == data:
                return {"changed": False, "status": 200, "msg": "unchanged"}
    handle, partial = tempfile.mkstemp(dir=os.path.dirname(dest) or ".", prefix=".s3-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(partial, 0o600)
    os.replace(partial, dest)
    return {"changed": True, "status": 200, "msg": "OK (%d bytes)" % len(data)}


if __name__ == "__main__":
    endpoint_url, bucket, key, dest, validate = sys.argv[1:6]
    print(json.dumps(fetch(endpoint_url, bucket, key, dest, validate.lower() in ("true", "1", "yes"),
                           os.environ.get("S3_ACCESS_KEY", ""), os.environ.get("S3_SECRET_KEY", ""))))
