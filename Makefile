# Akashi (証) — the two commands of the README, and a few helpers.
#   make run    sets up the system packages if missing, builds, and starts the issuer service
#   make test   sets up the system packages if missing, builds, and runs every test
#   make demo   the scripted tour CI runs

SWIFT ?= swift
DEBS := libssl-dev libsqlite3-dev pkg-config libqrencode-dev libzbar-dev libpng-dev libjpeg-dev zlib1g-dev curl
# The browser test: headless Chromium and its driver, Japanese fonts, poppler for PDF page counts;
# zbar-tools (zbarimg) to read the reduced QR back from a screenshot;
# python3-cryptography for the independent C2SP witness interop check.
# postgresql: the server the store's conformance suite runs against (scripts/with-postgres.sh).
TEST_DEBS := chromium chromium-driver fonts-noto-cjk poppler-utils chromium-l10n zbar-tools python3-cryptography postgresql
DEMO ?= demo-out

.PHONY: deps test-deps build test demo run bench load clean lint

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

test-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q selenium 2>/dev/null \
	  || python3 -m pip install -q --break-system-packages selenium

build: deps
	$(SWIFT) build

test: build test-deps
	./scripts/with-postgres.sh $(SWIFT) test
	./scripts/browser-test.sh
	./scripts/web-test.sh
	./scripts/node-test.sh
	./scripts/spec-conformance-test.sh
	./scripts/interop-test.sh
	./scripts/schemathesis-test.sh
	./scripts/fuzz.sh 10

run: build
	./scripts/run.sh

demo: build
	./scripts/demo.sh "$(DEMO)"

load: deps
	./scripts/load-test.sh

bench: deps
	$(SWIFT) build -c release --product akashi-bench
	.build/release/akashi-bench log --sizes 1000,100000,1000000

# The style is .swift-format's; `make format` rewrites the tree to it, `make lint` checks it.
FORMAT_PATHS := Sources Tests Benchmarks Fuzz/Sources
.PHONY: format
lint:
	$(SWIFT) format lint --strict --recursive --parallel --configuration .swift-format $(FORMAT_PATHS)

format:
	$(SWIFT) format format --in-place --recursive --parallel --configuration .swift-format $(FORMAT_PATHS)

clean:
	rm -rf .build "$(DEMO)" run-data

# libFuzzer runs of every parser that reads bytes from outside (docs/fuzzing.md):
#   make fuzz [FUZZ_SECONDS=600]   each harness for FUZZ_SECONDS;  make fuzz-smoke   each for 10 s
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-smoke
fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke: deps
	./scripts/fuzz.sh 10

# The offline verifier as one self-contained executable to hand out (docs/VERIFIER.md):
#   make verifier   dist/akashi-verify: release, Swift runtime, Foundation and the C libraries static
.PHONY: verifier
verifier: deps
	./scripts/build-verifier.sh
