# ShipOrSkip developer and CI commands. The work is done by scripts/dev.sh;
# see `make help`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup run test bench lint fmt db-start db-stop db-status

help:
	@echo "make setup      venv + test deps, local PostgreSQL, Chromium, node test tools"
	@echo "make run        migrate, seed demo data, dev superuser, then gunicorn on http://127.0.0.1:8000"
	@echo "make test       ruff, makemigrations --check, pytest -n 2 (PYTEST_ARGS=\"-k x\" for more)"
	@echo "make bench      python bench/run.py"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff check --fix + ruff format"
	@echo "make db-start   start the project-local PostgreSQL (scripts/pg.sh start)"
	@echo "make db-stop    stop it"
	@echo "make db-status  is it running?"

setup:
	@bash scripts/dev.sh setup

run:
	@bash scripts/dev.sh run

test:
	@bash scripts/dev.sh test

bench:
	@bash scripts/dev.sh bench

lint:
	@bash scripts/dev.sh lint

fmt:
	@bash scripts/dev.sh fmt

db-start:
	@bash scripts/pg.sh start

db-stop:
	@bash scripts/pg.sh stop

db-status:
	@bash scripts/pg.sh status
