VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate lint typecheck format clean

# Creates the virtualenv and installs the pinned dependencies (again only when pyproject.toml changes).
$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(bin/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Web on 127.0.0.1:8000, a Celery worker and beat, in the foreground; Ctrl-C stops all three.
run: migrate
	$(PY) manage.py seed_demo
	$(PY) bin/run-procfile Procfile

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# mypy with django-stubs over the services and selectors ([tool.mypy] in pyproject.toml).
typecheck: install
	$(PY) -m mypy

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) var
