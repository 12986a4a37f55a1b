package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pier-paas/pier/server/platform"
	"golang.org/x/crypto/bcrypt"
)

const userCols = `u.id, u.email, u.name, u.admin, u.created_at, u.updated_at`

func scanUser(r pgx.Row, extra ...any) (platform.User, error) {
	var u platform.User
	err := r.Scan(append([]any{uid(&u.ID), &u.Email, &u.Name, &u.Admin, &u.CreatedAt, &u.UpdatedAt}, extra...)...)
	return u, err
}

// CreateUser adds a user with a bcrypt-hashed password.
func (s *Store) CreateUser(ctx context.Context, actor, email, password string, admin bool) (platform.User, error) {
	var u platform.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		u, err = createUser(ctx, tx, actor, email, password, admin)
		return err
	})
	return u, err
}

// BootstrapAdmin creates the first admin when there are no users at all. An
// advisory lock makes servers that start together create it once.
func (s *Store) BootstrapAdmin(ctx context.Context, email, password string) (created bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, bootstrapLockKey); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n > 0 {
			return err
		}
		_, err := createUser(ctx, tx, "pier", email, password, true)
		created = err == nil
		return err
	})
	return created, err
}

const bootstrapLockKey = 0x70696501

func createUser(ctx context.Context, tx pgx.Tx, actor, email, password string, admin bool) (platform.User, error) {
	email, err := platform.NormalizeEmail(email)
	if err != nil {
		return platform.User{}, err
	}
	if len(password) < 8 || len(password) > 72 {
		return platform.User{}, platform.Invalid("Password must be 8 to 72 characters long.")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return platform.User{}, fmt.Errorf("hash password: %w", err)
	}
	u, err := scanUser(tx.QueryRow(ctx, `
		INSERT INTO users AS u (id, email, password_hash, admin) VALUES ($1, $2, $3, $4)
		RETURNING `+userCols, uuid.New(), email, string(hash), admin))
	if isUniqueViolation(err, "users_email_key") {
		return u, platform.Invalid("A user with email %s already exists.", email)
	}
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, appendEvent(ctx, tx, nil, "", "user.create", actor, map[string]any{"email": email, "admin": admin})
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]platform.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userCols+` FROM users u ORDER BY email`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.User, error) { return scanUser(r) })
}

// User finds a user by id or email.
func (s *Store) User(ctx context.Context, ident string) (platform.User, error) {
	if id, err := uuid.Parse(ident); err == nil {
		u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return u, platform.ErrUserNotFound
		}
		return u, err
	}
	return s.UserByEmail(ctx, ident)
}

// UserByEmail finds a user.
func (s *Store) UserByEmail(ctx context.Context, email string) (platform.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE email = lower($1)`, email))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, platform.ErrUserNotFound
	}
	return u, err
}

// dummyHash makes a failed lookup cost as much as a failed password check, so
// response times don't tell which emails exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("pier-dummy-password"), bcrypt.DefaultCost)

// CheckPassword returns the user whose email and password match.
func (s *Store) CheckPassword(ctx context.Context, email, password string) (platform.User, error) {
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+`, u.password_hash FROM users u WHERE email = lower($1)`, email), &hash)
	bad := platform.Unauthorized("Invalid credentials provided.")
	if errors.Is(err, pgx.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return u, bad
	}
	if err != nil {
		return u, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return u, bad
	}
	return u, nil
}

// TokenPrefix marks Pier tokens so that secret scanners can spot them.
const TokenPrefix = "pier_"

func hashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken issues a new API token for u. Only its hash is stored; the
// secret is returned once, in the result.
func (s *Store) CreateToken(ctx context.Context, u platform.User, description string, ttl time.Duration) (platform.Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return platform.Token{}, err
	}
	secret := TokenPrefix + hex.EncodeToString(b)
	var expires *time.Time
	if ttl > 0 {
		t := s.now().Add(ttl).UTC()
		expires = &t
	}
	if len(description) > 256 {
		return platform.Token{}, platform.Invalid("Description is too long (at most 256 characters).")
	}
	t := platform.Token{ID: uuid.New(), User: u, Description: description, Secret: secret, ExpiresAt: expires}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO tokens (id, user_id, hash, description, expires_at) VALUES ($1, $2, $3, $4, $5)
			RETURNING created_at, updated_at`, t.ID, u.ID, hashToken(secret), description, expires).Scan(&t.CreatedAt, &t.UpdatedAt)
		if err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		return appendEvent(ctx, tx, nil, "", "token.create", u.Email, map[string]any{"token_id": t.ID})
	})
	return t, err
}

const tokenCols = `t.id, t.description, t.created_at, t.updated_at, t.expires_at, ` + userCols

func scanToken(r pgx.Row) (platform.Token, error) {
	var t platform.Token
	err := r.Scan(uid(&t.ID), &t.Description, &t.CreatedAt, &t.UpdatedAt, &t.ExpiresAt,
		uid(&t.User.ID), &t.User.Email, &t.User.Name, &t.User.Admin, &t.User.CreatedAt, &t.User.UpdatedAt)
	return t, err
}

// Authenticate returns the unexpired token whose secret this is.
func (s *Store) Authenticate(ctx context.Context, secret string) (platform.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`, hashToken(secret), s.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, platform.Unauthorized("Invalid credentials provided.")
	}
	if err != nil {
		return t, fmt.Errorf("authenticate: %w", err)
	}
	t.Secret = secret
	return t, nil
}

// Tokens lists u's tokens.
func (s *Store) Tokens(ctx context.Context, u platform.User) ([]platform.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.user_id = $1 ORDER BY t.created_at, t.id`, u.ID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (platform.Token, error) { return scanToken(r) })
}

// Token finds one of u's tokens by id.
func (s *Store) Token(ctx context.Context, u platform.User, id uuid.UUID) (platform.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.user_id = $1 AND t.id = $2`, u.ID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, platform.ErrTokenNotFound
	}
	return t, err
}

// RevokeToken deletes one of u's tokens and returns it.
func (s *Store) RevokeToken(ctx context.Context, u platform.User, id uuid.UUID) (platform.Token, error) {
	var t platform.Token
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `WITH d AS (DELETE FROM tokens WHERE user_id = $1 AND id = $2 RETURNING *)
			SELECT `+tokenCols+` FROM d t JOIN users u ON u.id = t.user_id`, u.ID, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return platform.ErrTokenNotFound
		}
		if err != nil {
			return err
		}
		return appendEvent(ctx, tx, nil, "", "token.revoke", u.Email, map[string]any{"token_id": id})
	})
	return t, err
}
