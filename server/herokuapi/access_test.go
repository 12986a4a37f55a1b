package herokuapi_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// A user sees and changes only apps they own or collaborate on; owners alone
// destroy apps and manage access; admins see everything.
func TestAccessRules(t *testing.T) {
	e := newEnv(t)
	ann := e.user("ann@example.com", false)
	bob := e.user("bob@example.com", false)
	eve := e.user("eve@example.com", false)
	e.createApp(ann, "anns-app")
	e.createApp(bob, "bobs-app")

	// Listing shows only one's own apps; admins see all.
	names := func(token string) string {
		var apps []map[string]any
		e.must(200, token, "GET", "/apps", nil).JSON(t, &apps)
		var n []string
		for _, a := range apps {
			n = append(n, a["name"].(string))
		}
		sort.Strings(n)
		return strings.Join(n, ",")
	}
	if got := names(ann); got != "anns-app" {
		t.Fatalf("ann sees %q", got)
	}
	if got := names(eve); got != "" {
		t.Fatalf("eve sees %q", got)
	}
	if got := names(e.admin); !strings.Contains(got, "anns-app") || !strings.Contains(got, "bobs-app") {
		t.Fatalf("admin sees %q", got)
	}
	// GET /users/{user}/apps: one's own ("~"), or anyone's for an admin.
	var own []map[string]any
	e.must(200, ann, "GET", "/users/~/apps", nil).JSON(t, &own)
	if len(own) != 1 || own[0]["name"] != "anns-app" {
		t.Fatalf("ann's /users/~/apps: %v", own)
	}
	e.must(200, e.admin, "GET", "/users/bob@example.com/apps", nil).JSON(t, &own)
	if len(own) != 1 || own[0]["name"] != "bobs-app" {
		t.Fatalf("admin's view of bob's apps: %v", own)
	}
	e.mustError(403, "forbidden", ann, "GET", "/users/bob@example.com/apps", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/users/nobody@example.com/apps", nil)

	// Every app route refuses a stranger with 403 and Heroku's error JSON.
	for _, rq := range []struct{ method, path string }{
		{"GET", "/apps/anns-app"}, {"PATCH", "/apps/anns-app"}, {"DELETE", "/apps/anns-app"},
		{"GET", "/apps/anns-app/config-vars"}, {"PATCH", "/apps/anns-app/config-vars"},
		{"GET", "/apps/anns-app/releases"}, {"POST", "/apps/anns-app/releases"}, {"GET", "/apps/anns-app/releases/1"},
		{"GET", "/apps/anns-app/releases/1/config-vars"},
		{"GET", "/apps/anns-app/formation"}, {"PATCH", "/apps/anns-app/formation"}, {"PATCH", "/apps/anns-app/formation/web"},
		{"GET", "/apps/anns-app/domains"}, {"POST", "/apps/anns-app/domains"}, {"DELETE", "/apps/anns-app/domains/x.example.com"},
		{"GET", "/apps/anns-app/collaborators"}, {"POST", "/apps/anns-app/collaborators"},
		{"POST", "/apps/anns-app/slugs"},
	} {
		body := map[string]any{"FOO": "stolen"}
		msg := e.mustError(http.StatusForbidden, "forbidden", bob, rq.method, rq.path, body)
		if !strings.Contains(msg, "anns-app") {
			t.Fatalf("%s %s: %s", rq.method, rq.path, msg)
		}
	}
	if vars := e.must(200, ann, "GET", "/apps/anns-app/config-vars", nil).Map(t); len(vars) != 0 {
		t.Fatalf("a refused write changed config: %v", vars)
	}

	// Ann makes Bob a collaborator: he can work on the app, not destroy it or
	// manage its access.
	c := e.must(201, ann, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "Bob@Example.com"}).Map(t)
	if c["role"] != "collaborator" || c["user"].(map[string]any)["email"] != "bob@example.com" {
		t.Fatal(c)
	}
	if got := names(bob); got != "anns-app,bobs-app" {
		t.Fatalf("bob sees %q", got)
	}
	e.must(200, bob, "PATCH", "/apps/anns-app/config-vars", map[string]any{"BY": "bob"})
	e.mustError(403, "forbidden", bob, "DELETE", "/apps/anns-app", nil)
	e.mustError(403, "forbidden", bob, "PATCH", "/apps/anns-app", map[string]any{"name": "bobs-now"})
	e.mustError(403, "forbidden", bob, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "eve@example.com"})
	e.mustError(403, "forbidden", bob, "DELETE", "/apps/anns-app/collaborators/ann@example.com", nil)
	var cs []map[string]any
	e.must(200, bob, "GET", "/apps/anns-app/collaborators", nil).JSON(t, &cs)
	if len(cs) != 2 || cs[0]["role"] != "owner" || cs[1]["role"] != "collaborator" {
		t.Fatal(cs)
	}
	// Bad collaborator requests.
	e.mustError(422, "invalid_params", ann, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "nobody@example.com"})
	e.mustError(422, "invalid_params", ann, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "bob@example.com"})
	e.mustError(422, "invalid_params", ann, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "ann@example.com"})
	e.mustError(422, "invalid_params", ann, "POST", "/apps/anns-app/collaborators", map[string]any{"user": "not-an-email"})
	e.mustError(422, "invalid_params", ann, "DELETE", "/apps/anns-app/collaborators/ann@example.com", nil)
	// Removing him takes his access away.
	e.must(200, ann, "DELETE", "/apps/anns-app/collaborators/bob@example.com", nil)
	e.mustError(403, "forbidden", bob, "GET", "/apps/anns-app", nil)
	e.mustError(404, "not_found", ann, "DELETE", "/apps/anns-app/collaborators/bob@example.com", nil)

	// Admins may do anything, including destroy.
	e.must(200, e.admin, "PATCH", "/apps/anns-app/config-vars", map[string]any{"BY": "admin"})
	e.must(200, e.admin, "DELETE", "/apps/bobs-app", nil)

	// Only admins manage users and read the audit trail.
	e.mustError(403, "forbidden", ann, "POST", "/users", map[string]any{"email": "new@example.com"})
	e.mustError(403, "forbidden", ann, "GET", "/users", nil)
	e.mustError(403, "forbidden", ann, "GET", "/audit", nil)
}

func TestUsersAndTokens(t *testing.T) {
	e := newEnv(t)
	u := e.must(201, e.admin, "POST", "/users", map[string]any{"email": "New@Example.com"}).Map(t)
	pw, _ := u["password"].(string)
	if u["email"] != "new@example.com" || len(pw) < 16 || u["admin"] != false {
		t.Fatalf("new user: %v", u)
	}
	e.mustError(422, "invalid_params", e.admin, "POST", "/users", map[string]any{"email": "new@example.com"})
	e.mustError(422, "invalid_params", e.admin, "POST", "/users", map[string]any{"email": "x@y", "password": "short"})
	e.mustError(422, "invalid_params", e.admin, "POST", "/users", map[string]any{"email": "no at sign"})
	if u2 := e.must(201, e.admin, "POST", "/users", map[string]any{"email": "set@example.com", "password": "chosen-password"}).Map(t); u2["password"] != nil {
		t.Fatalf("a chosen password was echoed: %v", u2)
	}
	// A password that looks like a token still logs in.
	e.must(201, e.admin, "POST", "/users", map[string]any{"email": "tok@example.com", "password": "pier_password1"})
	e.must(201, "", "POST", "/oauth/authorizations", nil, "Authorization: "+basic("tok@example.com", "pier_password1"))

	// Log in as Heroku's CLI does: Basic email:password.
	login := func(email, password string) (int, map[string]any) {
		r := e.do("", "POST", "/oauth/authorizations", map[string]any{"scope": []string{"global"}, "description": "cli"}, "Authorization: "+basic(email, password))
		var m map[string]any
		r.JSON(t, &m)
		return r.StatusCode, m
	}
	st, auth := login("new@example.com", pw)
	if st != 201 {
		t.Fatalf("login: %d %v", st, auth)
	}
	tok := auth["access_token"].(map[string]any)["token"].(string)
	if !strings.HasPrefix(tok, "pier_") {
		t.Fatal(tok)
	}
	if st, m := login("new@example.com", "wrong-password"); st != 401 || m["id"] != "unauthorized" {
		t.Fatal(st, m)
	}
	if st, _ := login("ghost@example.com", "whatever-pw"); st != 401 {
		t.Fatal(st)
	}
	// The token works as Bearer and as a Basic password (netrc, git).
	acct := e.must(200, tok, "GET", "/account", nil).Map(t)
	if acct["email"] != "new@example.com" {
		t.Fatal(acct)
	}
	e.must(200, "", "GET", "/account", nil, "Authorization: "+basic("anything", tok))
	// Only a hash is stored.
	var n int
	if err := e.store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM tokens WHERE encode(hash, 'escape') LIKE '%'||$1||'%' OR encode(hash,'hex') = $1`, tok).Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in plain text (%d, %v)", n, err)
	}
	// ~ is the token in use; listing shows the user's tokens without secrets.
	cur := e.must(200, tok, "GET", "/oauth/authorizations/~", nil).Map(t)
	if cur["access_token"].(map[string]any)["token"] != tok {
		t.Fatal(cur)
	}
	_, second := login("new@example.com", pw)
	var list []map[string]any
	e.must(200, tok, "GET", "/oauth/authorizations", nil).JSON(t, &list)
	if len(list) != 2 {
		t.Fatalf("%d tokens", len(list))
	}
	for _, a := range list {
		if s := a["access_token"].(map[string]any)["token"]; s != nil && a["id"] != cur["id"] {
			t.Fatalf("listing leaked a secret: %v", a)
		}
	}
	// Revoke the second; it stops working at once.
	tok2 := second["access_token"].(map[string]any)["token"].(string)
	e.must(200, tok, "DELETE", "/oauth/authorizations/"+second["id"].(string), nil)
	e.mustError(401, "unauthorized", tok2, "GET", "/account", nil)
	// Another user's token id is not found.
	e.mustError(404, "not_found", e.admin, "DELETE", "/oauth/authorizations/"+cur["id"].(string), nil)
	// Logging out revokes the token in use.
	e.must(200, tok, "DELETE", "/oauth/sessions/~", nil)
	e.mustError(401, "unauthorized", tok, "GET", "/account", nil)
	// An expiring token.
	_, short := login("new@example.com", pw)
	_ = short
	r := e.do("", "POST", "/oauth/authorizations", map[string]any{"expires_in": 3600}, "Authorization: "+basic("new@example.com", pw))
	if exp := r.Map(t)["access_token"].(map[string]any)["expires_in"]; r.StatusCode != 201 || exp == nil || exp.(float64) > 3600 || exp.(float64) < 3590 {
		t.Fatalf("expires_in: %d %s", r.StatusCode, r.body)
	}
	e.mustError(422, "invalid_params", e.admin, "POST", "/oauth/authorizations", map[string]any{"expires_in": -1})
}
