package logs_test

import (
	"testing"

	"github.com/pier-paas/pier/server/logs"
)

func TestFilter(t *testing.T) {
	web1 := logs.Line{Source: "app", Dyno: "web.1"}
	web12 := logs.Line{Source: "app", Dyno: "web.12"}
	webhook := logs.Line{Source: "app", Dyno: "webhook.1"}
	router := logs.Line{Source: "heroku", Dyno: "router"}
	state := logs.Line{Source: "heroku", Dyno: "web.1"}
	api := logs.Line{Source: "app", Dyno: "api"}
	for _, c := range []struct {
		f    logs.Filter
		line logs.Line
		want bool
	}{
		{logs.Filter{}, web1, true},
		{logs.Filter{}, router, true},
		{logs.Filter{Source: "app"}, web1, true},
		{logs.Filter{Source: "app"}, router, false},
		{logs.Filter{Source: "heroku"}, router, true},
		{logs.Filter{Source: "heroku"}, web1, false},
		{logs.Filter{Dyno: "web"}, web1, true},
		{logs.Filter{Dyno: "web"}, web12, true},
		{logs.Filter{Dyno: "web"}, state, true},
		{logs.Filter{Dyno: "web"}, webhook, false},
		{logs.Filter{Dyno: "web"}, router, false},
		{logs.Filter{Dyno: "web.1"}, web1, true},
		{logs.Filter{Dyno: "web.1"}, web12, false},
		{logs.Filter{Dyno: "web.12"}, web12, true},
		{logs.Filter{Dyno: "router"}, router, true},
		{logs.Filter{Dyno: "router"}, web1, false},
		{logs.Filter{Dyno: "rout"}, router, false},
		{logs.Filter{Dyno: "api"}, api, true},
		{logs.Filter{Source: "heroku", Dyno: "web"}, state, true},
		{logs.Filter{Source: "heroku", Dyno: "web"}, web1, false},
		{logs.Filter{Source: "app", Dyno: "router"}, router, false},
	} {
		if got := c.f.Match(c.line); got != c.want {
			t.Errorf("%+v.Match(%s[%s]) = %v, want %v", c.f, c.line.Source, c.line.Dyno, got, c.want)
		}
	}
}
