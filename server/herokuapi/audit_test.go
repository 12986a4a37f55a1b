package herokuapi_test

import (
	"strings"
	"testing"
)

func TestAuditTrail(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@example.com", false)
	e.createApp(ann, "audited")
	r := e.must(200, ann, "PATCH", "/apps/audited/config-vars", map[string]any{"DB_PASSWORD": "hunter2-secret"}, "Request-Id: req-config-1")
	e.mustError(403, "forbidden", e.user("mallory@example.com", false), "DELETE", "/apps/audited", nil)
	e.mustError(401, "unauthorized", "pier_forged", "DELETE", "/apps/audited", nil)
	e.must(200, ann, "GET", "/apps/audited", nil) // reads are not audited
	e.mustError(422, "invalid_params", ann, "POST", "/apps", map[string]any{"name": "audited"})

	var entries []map[string]any
	e.must(200, e.admin, "GET", "/audit?app=audited", nil).JSON(t, &entries)
	if len(entries) != 5 {
		t.Fatalf("%d entries: %v", len(entries), entries)
	}
	// Newest first: the taken name, the forged token, mallory, the config change, the create.
	taken, forged, denied, cfg, create := entries[0], entries[1], entries[2], entries[3], entries[4]
	if taken["outcome"] != "failure" || taken["status"] != 422.0 || !strings.Contains(taken["message"].(string), "already taken") {
		t.Fatalf("taken name: %v", taken)
	}
	if create["action"] != "POST /apps" || create["outcome"] != "success" || create["status"] != 201.0 {
		t.Fatalf("create: %v", create)
	}
	if cfg["action"] != "PATCH /apps/:app/config-vars" || cfg["request_id"] != "req-config-1" ||
		cfg["request_id"] != r.Header.Get("Request-Id") || cfg["source_ip"] != "127.0.0.1" || cfg["status"] != 200.0 ||
		cfg["actor"].(map[string]any)["email"] != "ann@example.com" || !strings.Contains(cfg["message"].(string), "DB_PASSWORD") {
		t.Fatalf("config entry: %v", cfg)
	}
	if denied["outcome"] != "failure" || denied["status"] != 403.0 || denied["actor"].(map[string]any)["email"] != "mallory@example.com" ||
		denied["action"] != "DELETE /apps/:app" {
		t.Fatalf("denied entry: %v", denied)
	}
	if forged["outcome"] != "failure" || forged["status"] != 401.0 || forged["actor"] != nil {
		t.Fatalf("forged entry: %v", forged)
	}
	// No secret value anywhere in the audit trail or the event log.
	var n int
	err := e.store.Pool().QueryRow(t.Context(), `SELECT (SELECT count(*) FROM audit_log a WHERE a::text LIKE '%hunter2%')
		+ (SELECT count(*) FROM events v WHERE v::text LIKE '%hunter2%')`).Scan(&n)
	if err != nil || n != 0 {
		t.Fatalf("secret value found in %d audit/event rows (%v)", n, err)
	}
	// Paging back with before.
	e.must(200, e.admin, "GET", "/audit?limit=2", nil).JSON(t, &entries)
	if len(entries) != 2 {
		t.Fatal(entries)
	}
	e.mustError(422, "invalid_params", e.admin, "GET", "/audit?limit=0", nil)
	e.mustError(422, "invalid_params", e.admin, "GET", "/audit?before=x", nil)
}
