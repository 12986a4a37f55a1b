// Package pgtest gives tests real PostgreSQL databases: one embedded cluster
// per test binary (or the server named by PIER_TEST_DATABASE_URL), a migrated
// template, and a fresh database cloned from it for each test.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/postgres"
	"github.com/pier-paas/pier/server/postgres/embedded"
)

var (
	once    sync.Once
	baseURL string // a URL whose path is replaced per database
	initErr error
	cluster *embedded.Server
	tmpDir  string
	counter atomic.Int64
)

const template = "pier_test_template"

// Main runs the tests of a package and then stops the cluster it started.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

func setup() {
	ctx := context.Background()
	if u := os.Getenv("PIER_TEST_DATABASE_URL"); u != "" {
		baseURL = u
	} else {
		if _, err := embedded.FindBinaries(); err != nil {
			initErr = err
			return
		}
		tmpDir, initErr = os.MkdirTemp("/tmp", "piertest")
		if initErr != nil {
			return
		}
		os.Chmod(tmpDir, 0o755) // reachable by the postgres user when root
		cluster = &embedded.Server{Dir: tmpDir + "/pg", Database: "postgres", Ephemeral: true}
		if initErr = cluster.Start(ctx); initErr != nil {
			return
		}
		baseURL = cluster.URL()
	}
	admin, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		initErr = err
		return
	}
	defer admin.Close(ctx)
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+template)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+template); err != nil {
		initErr = err
		return
	}
	initErr = postgres.Migrate(withDB(baseURL, template))
}

func withDB(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db
	return u.String()
}

// URL creates a fresh, migrated database for t and returns its URL. It is
// dropped when the test ends. Without PostgreSQL binaries the test is skipped
// (CI installs them, so there it never is).
func URL(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if initErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("test database: %v", initErr)
		}
		t.Skipf("test database unavailable: %v", initErr)
	}
	ctx := context.Background()
	name := fmt.Sprintf("pier_test_%d_%d", os.Getpid(), counter.Add(1))
	admin, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, baseURL)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	// Each database is its own Pier installation: the template's cluster id,
	// copied into every clone, would let test servers sharing a Docker
	// engine adopt, stop and clean up each other's containers.
	url := withDB(baseURL, name)
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, "UPDATE cluster SET id = gen_random_uuid()"); err != nil {
		t.Fatal(err)
	}
	return url
}

// Store opens a store on a fresh database.
func Store(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), URL(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
