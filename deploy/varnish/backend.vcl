# compose.yaml's gunicorn. devtools/varnish.py writes its own for the tests and the benchmark.
backend default {
    .host = "web";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 35s;
}
