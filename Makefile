# The README's two commands: `make demo` (everything, then serve) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
MESSAGES ?= 3000

.PHONY: demo test install assets lint

$(BIN)/minsheng: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/minsheng

install: $(BIN)/minsheng assets

# Pinned browser assets from frontend/package.json into minsheng/static/vendor. Its
# devDependency axe-core stays in frontend/node_modules (never served): tests/test_axe.py
# injects it into the pages it audits.
assets: minsheng/static/vendor/.stamp
minsheng/static/vendor/.stamp: frontend/package.json frontend/package-lock.json
	cd frontend && npm install --no-audit --no-fund --silent --include=dev
	mkdir -p minsheng/static/vendor
	cp frontend/node_modules/htmx.org/dist/htmx.min.js minsheng/static/vendor/
	cp frontend/node_modules/echarts/dist/echarts.min.js minsheng/static/vendor/
	touch $@

# Install, migrate SQLite under var/, load demo data, train demo models, serve.
demo: install
	$(BIN)/minsheng migrate --noinput
	$(BIN)/minsheng demo --messages $(MESSAGES) --seed 2026 --if-empty
	$(BIN)/minsheng serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then on PostgreSQL when TEST_POSTGRES_URL (or the local
# server) is reachable. .ci/run calls this.
test: install
	bash scripts/test.sh

lint: $(BIN)/minsheng
	$(BIN)/ruff check .
