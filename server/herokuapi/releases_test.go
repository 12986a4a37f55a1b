package herokuapi_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestRollback(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "rollme")
	e.must(200, e.admin, "PATCH", "/apps/rollme/config-vars", map[string]any{"A": "1"}) // v2
	e.must(200, e.admin, "PATCH", "/apps/rollme/config-vars", map[string]any{"A": "2"}) // v3
	r := e.must(201, e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": "2"}).Map(t)
	if r["version"] != 4.0 || r["description"] != "Rollback to v2" || r["current"] != true {
		t.Fatal(r)
	}
	if m := e.must(200, e.admin, "GET", "/apps/rollme/config-vars", nil).Map(t); m["A"] != "1" {
		t.Fatalf("config after rollback: %v", m)
	}
	// By id, and the number form the heroku CLI may send.
	v3 := e.must(200, e.admin, "GET", "/apps/rollme/releases/v3", nil).Map(t)
	if v3["current"] != false || v3["eligible_for_rollback"] != true {
		t.Fatal(v3)
	}
	e.must(201, e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": v3["id"]})
	if m := e.must(200, e.admin, "GET", "/apps/rollme/config-vars", nil).Map(t); m["A"] != "2" {
		t.Fatalf("config after rollback by id: %v", m)
	}
	e.must(201, e.admin, "POST", "/apps/rollme/releases", `{"release": 1}`)
	if m := e.must(200, e.admin, "GET", "/apps/rollme/config-vars", nil).Map(t); len(m) != 0 {
		t.Fatalf("config after rollback to v1: %v", m)
	}
	// A rollback copies the slug too.
	dep := e.deploySlug(e.admin, "rollme", map[string]string{"web": "./web"})
	e.must(200, e.admin, "PATCH", "/apps/rollme/config-vars", map[string]any{"B": "x"})
	back := e.must(201, e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": dep["version"]}).Map(t)
	if back["slug"].(map[string]any)["id"] != dep["slug"].(map[string]any)["id"] {
		t.Fatalf("rollback slug %v, want %v", back["slug"], dep["slug"])
	}
	e.mustError(404, "not_found", e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": "99"})
	e.mustError(404, "not_found", e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": "nonsense"})
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps/rollme/releases", map[string]any{})
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps/rollme/releases", map[string]any{"release": []int{}})
	e.mustError(404, "not_found", e.admin, "GET", "/apps/rollme/releases/0", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/apps/rollme/releases/99999999999999", nil)
}

func TestReleaseRangePagination(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "many")
	for i := 0; i < 24; i++ {
		e.must(200, e.admin, "PATCH", "/apps/many/config-vars", map[string]any{"N": fmt.Sprint(i)})
	}
	// 25 releases. The CLI's form: newest first, a page of 10.
	r := e.must(206, e.admin, "GET", "/apps/many/releases", nil, "Range: version ..; max=10, order=desc")
	var page []map[string]any
	r.JSON(t, &page)
	if len(page) != 10 || page[0]["version"] != 25.0 || page[9]["version"] != 16.0 {
		t.Fatalf("first page %v..%v", page[0]["version"], page[len(page)-1]["version"])
	}
	next := r.Header.Get("Next-Range")
	if next != "version ]16..; max=10, order=desc" {
		t.Fatalf("Next-Range %q", next)
	}
	var all []float64
	for _, p := range page {
		all = append(all, p["version"].(float64))
	}
	// Follow Next-Range as the CLI does until a 200.
	for next != "" {
		r = e.do(e.admin, "GET", "/apps/many/releases", nil, "Range: "+next)
		if r.StatusCode != 200 && r.StatusCode != 206 {
			t.Fatalf("%d %s", r.StatusCode, r.body)
		}
		r.JSON(t, &page)
		for _, p := range page {
			all = append(all, p["version"].(float64))
		}
		next = r.Header.Get("Next-Range")
	}
	if len(all) != 25 {
		t.Fatalf("got %d releases over all pages", len(all))
	}
	for i, v := range all {
		if v != float64(25-i) {
			t.Fatalf("position %d has v%v", i, v)
		}
	}
	// heroku-go's and other clients' spellings.
	for _, h := range []string{
		"version ..; order=desc,max=1", "version ..; max=1, order=desc;", "version ..;max=1;order=desc",
		"version 25..; max=1, order=desc", "version 25..1; max=1, order=desc", "version ]26..; order=desc, max=1",
	} {
		var one []map[string]any
		e.must(206, e.admin, "GET", "/apps/many/releases", nil, "Range: "+h).JSON(t, &one)
		if len(one) != 1 || one[0]["version"] != 25.0 {
			t.Fatalf("%q: %v", h, one)
		}
	}
	var asc []map[string]any
	e.must(200, e.admin, "GET", "/apps/many/releases", nil, "Range: version 3..5").JSON(t, &asc)
	if len(asc) != 3 || asc[0]["version"] != 3.0 || asc[2]["version"] != 5.0 {
		t.Fatalf("3..5: %v", asc)
	}
	e.must(200, e.admin, "GET", "/apps/many/releases", nil, "Range: version ]3..5[").JSON(t, &asc)
	if len(asc) != 1 || asc[0]["version"] != 4.0 {
		t.Fatalf("]3..5[: %v", asc)
	}
	// Oversized max is capped at 1000, not refused.
	e.must(200, e.admin, "GET", "/apps/many/releases", nil, "Range: version ..; max=100000")
	// Hostile or malformed ranges are 416 with Heroku's error JSON.
	for _, h := range []string{
		"name ..", "version abc..", "version ..; max=0", "version ..; max=-5", "version ..; max=x",
		"version ..; order=sideways", "version ..; evil=1", "version 1-2", "version '; DROP TABLE releases; --..",
		"version ..; max=99999999999999999999", "version " + strings.Repeat("9", 2000) + "..",
	} {
		e.mustError(416, "requested_range_not_satisfiable", e.admin, "GET", "/apps/many/releases", nil, "Range: "+h)
	}
}

func TestAppRangeByName(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"alpha", "bravo", "charlie", "delta"} {
		e.createApp(e.admin, n)
	}
	r := e.must(206, e.admin, "GET", "/apps", nil, "Range: name ..; max=2")
	var apps []map[string]any
	r.JSON(t, &apps)
	if len(apps) != 2 || apps[0]["name"] != "alpha" || apps[1]["name"] != "bravo" {
		t.Fatal(apps)
	}
	e.must(200, e.admin, "GET", "/apps", nil, "Range: "+r.Header.Get("Next-Range")).JSON(t, &apps)
	if len(apps) != 2 || apps[0]["name"] != "charlie" {
		t.Fatal(apps)
	}
	// Continuations bind typed values (timestamps, UUIDs) in SQL.
	for _, field := range []string{"updated_at", "id", "name"} {
		seen := map[string]bool{}
		next := field + " ..; max=1, order=desc"
		for next != "" {
			r := e.do(e.admin, "GET", "/apps", nil, "Range: "+next)
			if r.StatusCode != 200 && r.StatusCode != 206 {
				t.Fatalf("%s: %d %s", next, r.StatusCode, r.body)
			}
			r.JSON(t, &apps)
			for _, a := range apps {
				if seen[a["name"].(string)] {
					t.Fatalf("%s: %s twice", field, a["name"])
				}
				seen[a["name"].(string)] = true
			}
			next = r.Header.Get("Next-Range")
		}
		if len(seen) != 4 {
			t.Fatalf("paging by %s saw %d apps", field, len(seen))
		}
	}
	e.must(206, e.admin, "GET", "/apps", nil, "Range: updated_at ..; max=3, order=desc").JSON(t, &apps)
	if apps[0]["name"] != "delta" {
		t.Fatal(apps)
	}
	e.mustError(416, "requested_range_not_satisfiable", e.admin, "GET", "/apps", nil, "Range: id nope..")
	e.mustError(416, "requested_range_not_satisfiable", e.admin, "GET", "/apps", nil, "Range: updated_at yesterday..")
}

func TestFormation(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "procs")
	var fs []map[string]any
	e.must(200, e.admin, "GET", "/apps/procs/formation", nil).JSON(t, &fs)
	if len(fs) != 0 {
		t.Fatalf("a new app has no process types: %v", fs)
	}
	e.mustError(404, "not_found", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": 1})
	rel := e.deploySlug(e.admin, "procs", map[string]string{"web": "./web", "worker": "./worker"})
	if rel["description"] == "" || rel["slug"] == nil {
		t.Fatal(rel)
	}
	e.must(200, e.admin, "GET", "/apps/procs/formation", nil).JSON(t, &fs)
	if len(fs) != 2 || fs[0]["type"] != "web" || fs[0]["quantity"] != 1.0 || fs[0]["command"] != "./web" ||
		fs[1]["type"] != "worker" || fs[1]["quantity"] != 0.0 || fs[0]["size"] != "Standard-1X" {
		t.Fatalf("formation after first deploy: %v", fs)
	}
	// The heroku CLI's batch form: quantities as strings, relative changes.
	e.must(200, e.admin, "PATCH", "/apps/procs/formation", map[string]any{"updates": []map[string]any{
		{"type": "web", "quantity": "3", "size": "standard-2x"}, {"type": "worker", "quantity": "+2"},
	}}).JSON(t, &fs)
	if fs[0]["quantity"] != 3.0 || fs[0]["size"] != "Standard-2X" || fs[1]["quantity"] != 2.0 {
		t.Fatal(fs)
	}
	one := e.must(200, e.admin, "PATCH", "/apps/procs/formation/worker", map[string]any{"quantity": "-1"}).Map(t)
	if one["quantity"] != 1.0 {
		t.Fatal(one)
	}
	one = e.must(200, e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": 0, "dyno_size": map[string]any{"name": "Performance-M"}}).Map(t)
	if one["quantity"] != 0.0 || one["size"] != "Performance-M" {
		t.Fatal(one)
	}
	if g := e.must(200, e.admin, "GET", "/apps/procs/formation/worker", nil).Map(t); g["quantity"] != 1.0 {
		t.Fatal(g)
	}
	// A second deploy keeps quantities, adds new types at 0, drops missing ones.
	e.deploySlug(e.admin, "procs", map[string]string{"web": "./web2", "clock": "./clock"})
	e.must(200, e.admin, "GET", "/apps/procs/formation", nil).JSON(t, &fs)
	if len(fs) != 2 || fs[0]["type"] != "clock" || fs[0]["quantity"] != 0.0 || fs[1]["command"] != "./web2" || fs[1]["quantity"] != 0.0 {
		t.Fatalf("after second deploy: %v", fs)
	}
	// Bad input, all-or-nothing.
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation", map[string]any{"updates": []map[string]any{
		{"type": "web", "quantity": 2}, {"type": "clock", "size": "Gigantic"}}})
	e.mustError(404, "not_found", e.admin, "PATCH", "/apps/procs/formation", map[string]any{"updates": []map[string]any{
		{"type": "web", "quantity": 2}, {"type": "nope", "quantity": 1}}})
	if g := e.must(200, e.admin, "GET", "/apps/procs/formation/web", nil).Map(t); g["quantity"] != 0.0 {
		t.Fatalf("a failed batch changed web: %v", g)
	}
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": "lots"})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": -3})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": 5000})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{"quantity": 1.5})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation/web", map[string]any{})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation", map[string]any{"updates": []any{}})
	e.mustError(422, "invalid_params", e.admin, "PATCH", "/apps/procs/formation", map[string]any{"updates": "web=2"})
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps/procs/slugs", map[string]any{"process_types": map[string]string{"bad type!": "x"}})
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps/procs/releases", map[string]any{"slug": "not-a-uuid"})
	e.mustError(404, "not_found", e.admin, "POST", "/apps/procs/releases", map[string]any{"slug": "00000000-0000-0000-0000-000000000000"})
	// Dyno sizes use Heroku's names.
	var sizes []map[string]any
	e.must(200, e.admin, "GET", "/dyno-sizes", nil).JSON(t, &sizes)
	if len(sizes) < 6 || sizes[2]["name"] != "Standard-1X" {
		t.Fatal(sizes)
	}
	e.must(200, e.admin, "GET", "/dyno-sizes/Standard-2X", nil)
	e.mustError(404, "not_found", e.admin, "GET", "/dyno-sizes/Huge", nil)
}

func TestDomains(t *testing.T) {
	e := newEnv(t)
	e.createApp(e.admin, "site")
	e.createApp(e.admin, "other")
	d := e.must(201, e.admin, "POST", "/apps/site/domains", map[string]any{"hostname": "WWW.Example.com."}).Map(t)
	if d["hostname"] != "www.example.com" || d["kind"] != "custom" || d["cname"] != "site.localhost" {
		t.Fatal(d)
	}
	var ds []map[string]any
	e.must(200, e.admin, "GET", "/apps/site/domains", nil).JSON(t, &ds)
	if len(ds) != 2 || ds[0]["hostname"] != "site.localhost" || ds[0]["kind"] != "heroku" {
		t.Fatal(ds)
	}
	e.must(200, e.admin, "GET", "/apps/site/domains/www.example.com", nil)
	e.must(200, e.admin, "GET", "/apps/site/domains/"+d["id"].(string), nil)
	e.mustError(422, "invalid_params", e.admin, "POST", "/apps/other/domains", map[string]any{"hostname": "www.example.com"})
	for _, h := range []string{"", "not a host", "-x.com", "localhost", "a..b.com", strings.Repeat("a", 64) + ".com", "x.site.localhost"} {
		e.mustError(422, "invalid_params", e.admin, "POST", "/apps/site/domains", map[string]any{"hostname": h})
	}
	e.mustError(422, "invalid_params", e.admin, "DELETE", "/apps/site/domains/site.localhost", nil)
	e.must(200, e.admin, "DELETE", "/apps/site/domains/www.example.com", nil)
	e.mustError(404, "not_found", e.admin, "DELETE", "/apps/site/domains/www.example.com", nil)
	// Freed for another app.
	e.must(201, e.admin, "POST", "/apps/other/domains", map[string]any{"hostname": "www.example.com"})
}
