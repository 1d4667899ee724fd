vcl 4.1;

# ShipOrSkip's shared HTTP cache in front of gunicorn.
#
# The app decides what may be shared: reading pages answer `Cache-Control: public` with an
# `s-maxage`, an ETag and an `xkey` header naming their tags (`tool-<pk>`, `listing`,
# `site`). Varnish stores those answers for their s-maxage and nothing else: no request
# that carries a cookie or credentials is answered from the cache, no answer that sets a
# cookie is stored, and every POST goes to the app. Editors' changes arrive as
# `PURGE` requests with an `xkey-purge` header (core/purge.py), accepted from the app's
# addresses only.

import xkey;

# The backend: gunicorn in compose.yaml; the tests and the benchmark put a backend.vcl of
# their own first on vcl_path (devtools/varnish.py).
include "backend.vcl";

acl purgers {
    "localhost";
    "127.0.0.1";
    "::1";
    # compose.yaml's network, where the web service sends its purges from.
    "172.30.0.0"/24;
}

sub vcl_recv {
    unset req.http.X-Cache;
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "Name the tags to purge in xkey-purge"));
        }
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        # Votes, the digest signup, bookmark cards, the admin: always the app's answer.
        return (pass);
    }
    if (req.http.Cookie || req.http.Authorization) {
        # Editors and readers who voted: the app answers; reading pages never read the
        # cookie, but a page that did must not be shared.
        return (pass);
    }
    return (hash);
}

sub vcl_hit {
    set req.http.X-Cache = "hit";
}

sub vcl_miss {
    set req.http.X-Cache = "miss";
}

sub vcl_pass {
    set req.http.X-Cache = "pass";
}

sub vcl_backend_response {
    if (beresp.http.Set-Cookie) {
        # Never stored: the cookie is one reader's (the admin's CSRF cookie, a voter id).
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    if (beresp.http.Cache-Control !~ "(?i)(^|[ ,])public([ ,]|$)"
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)") {
        # Only what the app marks public is shared: a 404 for a tool not yet published,
        # a redirect, a badge (each load is counted) or /healthz go to the app every time.
        set beresp.uncacheable = true;
        set beresp.ttl = 10s;
        return (deliver);
    }
    # beresp.ttl already holds s-maxage (Varnish reads it before max-age). No grace: a
    # stale page served past it would break "other readers see a vote within 10 s".
    # Keeping the object a minute lets the refetch be a conditional GET the app answers
    # with a 304 when nothing changed.
    set beresp.grace = 0s;
    set beresp.keep = 1m;
    return (deliver);
}

sub vcl_deliver {
    set resp.http.X-Cache = req.http.X-Cache;
    # Tags are this cache's business; the app's tool ids stay inside.
    unset resp.http.xkey;
}
