# Entry points. Each target does its own set-up on a fresh machine: npm dependencies (with the
# pinned Node LTS from the npm registry), and the test bed's tools (built once into a cache).
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: all deps tools image build generate check lint typecheck test test-unit test-tools test-integration demo bench clean

all: test

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.stamp

tools:
	bash hack/build-tools.sh

# The operator image, built on local stand-ins for its base images (no registry is reachable here);
# before jest, so its first build does not compete with the test bed for CPU.
image:
	bash hack/build-image.sh

build: deps
	npm run build

generate: deps
	npm run generate

typecheck: deps
	npm run typecheck

lint: deps
	npm run lint

check: typecheck lint

test: deps tools check image
	npm test

test-unit: deps
	npm run test:unit

test-tools: deps tools
	npm run test:tools

test-integration: deps tools
	npm run test:integration

demo: deps tools build
	npm run demo

bench: deps tools build
	npm run bench

clean:
	rm -rf dist node_modules .testbed
