# Akashi (証) — the two commands of the README, and a few helpers.
#   make demo   sets up the system packages if missing, builds, and runs the main job
#   make test   sets up the system packages if missing, builds, and runs every test

SWIFT ?= swift
DEBS := libssl-dev libsqlite3-dev pkg-config libqrencode-dev libzbar-dev libpng-dev libjpeg-dev zlib1g-dev
DEMO ?= demo-out

.PHONY: deps build test demo bench clean lint

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

test: build
	$(SWIFT) test

demo: build
	./scripts/demo.sh "$(DEMO)"

bench: deps
	$(SWIFT) build -c release --product akashi-bench
	.build/release/akashi-bench log --sizes 1000,100000,1000000

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks

clean:
	rm -rf .build "$(DEMO)"
