# ShipOrSkip developer and CI commands. scripts/dev.sh prepares .venv from uv.lock, then
# runs the command in devtools/ (python -m devtools --help); see `make help`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup run test bench lint fmt db-start db-stop db-status redis-stop

help:
	@echo "make setup      venv from uv.lock, local PostgreSQL and Redis, Chromium, Java, node test tools, Varnish, wrk"
	@echo "make run        migrate, seed demo data, dev superuser, then gunicorn on http://127.0.0.1:8000"
	@echo "make test       ruff, makemigrations --check, pytest -n 2 (PYTEST_ARGS=\"-k x\" for more)"
	@echo "make bench      python bench/run.py"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff check --fix + ruff format"
	@echo "make db-start   start the project-local PostgreSQL and Redis (prints their URLs)"
	@echo "make db-stop    stop both (make redis-stop: Redis alone)"
	@echo "make db-status  are they running?"

setup run lint fmt:
	@bash scripts/dev.sh $@

test bench:
	@bash scripts/dev.sh $@

# PostgreSQL and Redis together; the second runs even when the first fails.
db-start db-stop db-status:
	@status=0; \
	bash scripts/dev.sh db $(subst db-,,$@) || status=$$?; \
	bash scripts/dev.sh redis $(subst db-,,$@) || status=$$?; \
	exit $$status

redis-stop:
	@bash scripts/dev.sh redis stop
