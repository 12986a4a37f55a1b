package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pier-paas/pier/server/platform"
	"github.com/pier-paas/pier/server/secretkey"
)

// openSealer loads (or creates, on first start) PIER_DATA_DIR/secret.key,
// which encrypts certificates' private keys at rest. Servers sharing a
// database must share this file. Without a data dir, certificates are off.
func (s *Server) openSealer() (*secretkey.Sealer, error) {
	if s.Config.DataDir == "" {
		s.Logger.Warn("no PIER_DATA_DIR for secret.key: certificate uploads are refused")
		return nil, nil
	}
	key, err := secretkey.LoadOrCreate(filepath.Join(s.Config.DataDir, secretkey.FileName))
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return secretkey.NewSealer(key)
}

// followCertificates keeps the router's TLS certificates in step with the
// database: at start, then on every change to certificates, domains (a
// certificate serves only its app's custom domains) or apps.
func (s *Server) followCertificates(ctx context.Context) {
	reload := func() {
		named, err := s.store.SNICertificates(ctx, s.sealer)
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.Warn("could not load TLS certificates", "err", err)
			}
			return
		}
		s.certs.SetNamed(named)
	}
	// Reload on (re)connecting too: changes made meanwhile were missed.
	connected := false
	s.store.FollowFromNow(ctx, func(e platform.Event) {
		if strings.HasPrefix(e.Kind, "sni_endpoint.") || strings.HasPrefix(e.Kind, "domain.") || e.Kind == "app.destroy" {
			reload()
		}
	}, func(live bool) {
		if live && !connected {
			reload()
		}
		connected = live
	})
}
