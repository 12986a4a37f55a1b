# Pier: `make run` installs what is missing (as root on Debian), builds and
# starts Pier on its embedded defaults; `make test` runs every test.
# Go 1.26: from PATH, else where the official tarball installs it.
GO      ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN     := bin/pier
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/pier-paas/pier/cli.Version=$(VERSION)

.PHONY: all build run deps test test-short fuzz bench bench-runtime bench-builds bench-dashboard lint clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/pier

# deps installs, on Debian as root, what Pier needs on its host.
deps:
	@bash scripts/install-deps.sh

run: deps build
	./$(BIN) server

# Tests use real PostgreSQL (the machine's binaries, started per test binary)
# and build the real `pier` binary where they drive the CLI.
test: build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short -count=1 ./...

# A longer run of the fuzz tests (make test runs their seed corpora).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseRange -fuzztime 30s ./server/herokuapi/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 30s ./server/herokuapi/

bench: build
	$(GO) run ./bench

# The runtime's figures: router vs nginx vs direct, failed requests during
# a deploy and a scale, kill to replacement. Needs Docker and nginx
# (apt-get install nginx).
bench-runtime: build
	$(GO) run ./bench/runtime

# git push → serving for a small Dockerfile app, first and warm pushes,
# split into receive, build, release and healthy; then the same for a Go
# app built by the bundled Go buildpack (cold vs warm build). Needs Docker,
# git and debootstrap (the buildpack stack is made once per machine).
bench-builds: build
	$(GO) run ./bench/builds
	$(GO) run ./bench/builds -buildpack -pushes 5

# The dashboard's figures: the apps overview with 1,000 apps and an app's
# page with 1,000 releases (server time, real Postgres), and the delay from
# a change made through the API to its appearance in an open page in
# Chromium.
bench-dashboard:
	$(GO) test -run '^$$' -bench 'Overview|AppPage' -benchtime 200x ./web/
	$(GO) test -run '^$$' -bench LiveUpdate -benchtime 20x ./web/

clean:
	rm -rf bin
