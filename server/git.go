package server

import (
	"context"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/gitpush"
	"github.com/pier-paas/pier/server/herokuapi"
	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/postgres"
)

// gitRepos gives git pushes the apps' repositories in Postgres.
type gitRepos struct{ *postgres.Store }

func (g gitRepos) Objects(ctx context.Context, appID uuid.UUID) gitpush.ObjectDB {
	return g.GitObjects(ctx, appID)
}

// newGit serves git pushes on the API's address, authenticated with API
// tokens.
func (s *Server) newGit(api *herokuapi.API) *gitpush.Handler {
	g := &gitpush.Handler{
		Authenticate: api.TokenUser,
		FindApp: func(ctx context.Context, u platform.User, name string) (platform.App, error) {
			return s.store.App(ctx, u, name, postgres.RoleCollaborator)
		},
		Repos:        gitRepos{s.store},
		MaxPushBytes: herokuapi.DefaultMaxSourceBytes,
		Logger:       s.Logger,
	}
	if api.Builds != nil {
		g.Builds = api.Builds
	}
	return g
}
