package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

type accountData struct {
	Tokens []tokenRow
	// Created is a token just made: its secret is shown this once.
	Created *tokenRow
	Problem string
}

type tokenRow struct {
	ID, Description, Created, Expires, Secret string
	Current                                   bool
}

// maxTokenDescription bounds a token's description.
const maxTokenDescription = 200

// account lists the user's API tokens, with a form to make one and a
// button to revoke each.
func (d *Dashboard) account(w http.ResponseWriter, r *http.Request) {
	d.showAccount(w, r, http.StatusOK, accountData{})
}

func (d *Dashboard) showAccount(w http.ResponseWriter, r *http.Request, status int, data accountData) {
	u := r.Context().Value(userKey{}).(platform.User)
	tokens, err := d.Store.Tokens(r.Context(), u)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	current, _ := d.Store.Authenticate(r.Context(), r.Context().Value(secretKey{}).(string))
	for _, t := range tokens {
		row := tokenRow{ID: t.ID.String(), Description: t.Description, Created: ago(t.CreatedAt), Expires: "never", Current: t.ID == current.ID}
		if t.ExpiresAt != nil {
			row.Expires = t.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		data.Tokens = append(data.Tokens, row)
	}
	d.render(w, r, status, "account", page{Title: "Account", Data: data})
}

// createToken makes an API token and shows its secret once.
func (d *Dashboard) createToken(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey{}).(platform.User)
	desc := strings.TrimSpace(r.PostFormValue("description"))
	if desc == "" || len(desc) > maxTokenDescription {
		d.showAccount(w, r, http.StatusUnprocessableEntity, accountData{Problem: "Describe the token (up to 200 characters), e.g. \"CI deploys\"."})
		return
	}
	t, err := d.Store.CreateToken(r.Context(), u, desc, 0)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	noteAudit(r, "", "token "+t.ID.String())
	d.showAccount(w, r, http.StatusCreated, accountData{Created: &tokenRow{ID: t.ID.String(), Description: t.Description, Secret: t.Secret,
		Created: ago(time.Now())}})
}

// revokeToken revokes one of the user's tokens; revoking this session's
// signs out.
func (d *Dashboard) revokeToken(w http.ResponseWriter, r *http.Request) {
	u := r.Context().Value(userKey{}).(platform.User)
	id, err := uuid.Parse(r.PostFormValue("id"))
	if err != nil {
		d.showAccount(w, r, http.StatusUnprocessableEntity, accountData{Problem: "Pick a token to revoke."})
		return
	}
	if _, err := d.Store.RevokeToken(r.Context(), u, id); err != nil {
		if statusOf(err) >= 500 {
			d.fail(w, r, err)
			return
		}
		d.showAccount(w, r, statusOf(err), accountData{Problem: err.Error()})
		return
	}
	noteAudit(r, "", "revoked token "+id.String())
	http.Redirect(w, r, Prefix+"/account", http.StatusSeeOther)
}
