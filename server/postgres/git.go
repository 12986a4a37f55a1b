package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
)

// GitRefs returns an app's branches: full ref name → commit.
func (s *Store) GitRefs(ctx context.Context, appID uuid.UUID) (map[string]plumbing.Hash, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, hash FROM git_refs WHERE app_id = $1 ORDER BY name`, appID)
	if err != nil {
		return nil, fmt.Errorf("git refs: %w", err)
	}
	refs := map[string]plumbing.Hash{}
	var name string
	var hash []byte
	_, err = pgx.ForEachRow(rows, []any{&name, &hash}, func() error {
		refs[name] = plumbing.Hash(hash)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("git refs: %w", err)
	}
	return refs, nil
}

// moveRef moves an app's branch from old (the zero hash: it does not
// exist yet) to new in tx; a branch that moved since is a conflict.
func moveRef(ctx context.Context, tx pgx.Tx, appID uuid.UUID, u platform.RefUpdate) error {
	var n int64
	if u.Old == ([20]byte{}) {
		tag, err := tx.Exec(ctx, `INSERT INTO git_refs (app_id, name, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, appID, u.Name, u.New[:])
		if err != nil {
			return fmt.Errorf("move %s: %w", u.Name, err)
		}
		n = tag.RowsAffected()
	} else {
		tag, err := tx.Exec(ctx, `UPDATE git_refs SET hash = $4, updated_at = now() WHERE app_id = $1 AND name = $2 AND hash = $3`,
			appID, u.Name, u.Old[:], u.New[:])
		if err != nil {
			return fmt.Errorf("move %s: %w", u.Name, err)
		}
		n = tag.RowsAffected()
	}
	if n == 0 {
		return platform.Conflict("%s moved while this push was being built (another push?): fetch, then push again.", u.Name)
	}
	return nil
}

// GitObjects is an app's git object database, as go-git's storer: what a
// pushed packfile is unpacked into and a commit's files are read from.
// Objects set are buffered and written in batches; Flush writes the rest.
// Its context is the push's.
type GitObjects struct {
	ctx     context.Context
	s       *Store
	app     uuid.UUID
	pending map[plumbing.Hash]*plumbing.MemoryObject
	size    int
}

// flushAt is how many bytes of objects a GitObjects buffers.
const flushAt = 8 << 20

// GitObjects opens an app's object database for ctx.
func (s *Store) GitObjects(ctx context.Context, appID uuid.UUID) *GitObjects {
	return &GitObjects{ctx: ctx, s: s, app: appID, pending: map[plumbing.Hash]*plumbing.MemoryObject{}}
}

var _ storer.EncodedObjectStorer = (*GitObjects)(nil)

func (g *GitObjects) NewEncodedObject() plumbing.EncodedObject { return &plumbing.MemoryObject{} }

func (g *GitObjects) SetEncodedObject(o plumbing.EncodedObject) (plumbing.Hash, error) {
	mo, ok := o.(*plumbing.MemoryObject)
	if !ok {
		mo = &plumbing.MemoryObject{}
		mo.SetType(o.Type())
		r, err := o.Reader()
		if err != nil {
			return plumbing.ZeroHash, err
		}
		defer r.Close()
		if _, err := io.Copy(mo, r); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	h := mo.Hash()
	if _, dup := g.pending[h]; !dup {
		g.pending[h] = mo
		g.size += int(mo.Size())
	}
	if g.size >= flushAt {
		return h, g.Flush()
	}
	return h, nil
}

// Flush writes the buffered objects; those already stored are skipped.
func (g *GitObjects) Flush() error {
	if len(g.pending) == 0 {
		return nil
	}
	var b pgx.Batch
	for h, o := range g.pending {
		data, err := objectBytes(o)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO git_objects (app_id, hash, type, data) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			g.app, h[:], int16(o.Type()), data)
	}
	if err := g.s.pool.SendBatch(g.ctx, &b).Close(); err != nil {
		return fmt.Errorf("store git objects: %w", err)
	}
	clear(g.pending)
	g.size = 0
	return nil
}

func objectBytes(o plumbing.EncodedObject) ([]byte, error) {
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func (g *GitObjects) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if o, ok := g.pending[h]; ok {
		if t != plumbing.AnyObject && o.Type() != t {
			return nil, plumbing.ErrObjectNotFound
		}
		return o, nil
	}
	var typ int16
	var data []byte
	err := g.s.pool.QueryRow(g.ctx, `SELECT type, data FROM git_objects WHERE app_id = $1 AND hash = $2`, g.app, h[:]).Scan(&typ, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, plumbing.ErrObjectNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read git object %s: %w", h, err)
	}
	if t != plumbing.AnyObject && plumbing.ObjectType(typ) != t {
		return nil, plumbing.ErrObjectNotFound
	}
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.ObjectType(typ))
	_, _ = io.Copy(o, bytes.NewReader(data))
	return o, nil
}

func (g *GitObjects) HasEncodedObject(h plumbing.Hash) error {
	_, err := g.EncodedObject(plumbing.AnyObject, h)
	return err
}

func (g *GitObjects) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	o, err := g.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, err
	}
	return o.Size(), nil
}

// IterEncodedObjects is not needed to unpack a push or read a commit.
func (g *GitObjects) IterEncodedObjects(plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	return nil, errors.New("git objects: iteration is not supported")
}

func (g *GitObjects) AddAlternate(string) error {
	return errors.New("git objects: alternates are not supported")
}
