package herokuapi

import (
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/pier-paas/pier/server/platform"
)

// The JSON shapes below follow Heroku's Platform API schema, so Heroku's
// clients find the fields they read.

type ref struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

type userRef struct {
	ID    uuid.UUID `json:"id"`
	Email string    `json:"email"`
}

// timestamp is UTC ISO 8601 with second precision, as Heroku renders it.
// A plain string, formatted once: a MarshalJSON type costs a compaction pass
// per value, which adds up over a page of 200 releases.
type timestamp = string

func ts(t time.Time) timestamp { return t.UTC().Format(time.RFC3339) }

func tsp(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// stableID derives a fixed id for things Pier doesn't store (stacks, regions).
func stableID(name string) uuid.UUID {
	return uuid.NewHash(sha1.New(), uuid.NameSpaceURL, []byte("pier:"+name), 5)
}

var (
	stack      = ref{ID: stableID("stack/pier-1"), Name: "pier-1"}
	region     = ref{ID: stableID("region/local"), Name: "local"}
	generation = ref{ID: stableID("generation/cedar"), Name: "cedar"}
)

type appJSON struct {
	ID                           uuid.UUID  `json:"id"`
	Name                         string     `json:"name"`
	CreatedAt                    timestamp  `json:"created_at"`
	UpdatedAt                    timestamp  `json:"updated_at"`
	ReleasedAt                   *timestamp `json:"released_at"`
	GitURL                       string     `json:"git_url"`
	WebURL                       string     `json:"web_url"`
	Owner                        userRef    `json:"owner"`
	Stack                        ref        `json:"stack"`
	BuildStack                   ref        `json:"build_stack"`
	Region                       ref        `json:"region"`
	Generation                   ref        `json:"generation"`
	Maintenance                  bool       `json:"maintenance"`
	Locked                       bool       `json:"locked"`
	ACM                          bool       `json:"acm"`
	ArchivedAt                   *timestamp `json:"archived_at"`
	BuildpackProvidedDescription *string    `json:"buildpack_provided_description"`
	InternalRouting              *bool      `json:"internal_routing"`
	Organization                 *ref       `json:"organization"`
	Team                         *ref       `json:"team"`
	Space                        *ref       `json:"space"`
	RepoSize                     *int64     `json:"repo_size"`
	SlugSize                     *int64     `json:"slug_size"`
}

func (a *API) renderApp(gitBase string, x platform.App) appJSON {
	return appJSON{
		ID: x.ID, Name: x.Name, CreatedAt: ts(x.CreatedAt), UpdatedAt: ts(x.UpdatedAt), ReleasedAt: tsp(x.ReleasedAt),
		GitURL: fmt.Sprintf("%s/%s.git", gitBase, x.Name), WebURL: a.AppURL(x.Name),
		Owner: userRef{x.Owner.ID, x.Owner.Email}, Stack: stack, BuildStack: stack, Region: region,
		Generation: generation, Maintenance: x.Maintenance,
	}
}

type releaseJSON struct {
	ID                  uuid.UUID `json:"id"`
	Version             int       `json:"version"`
	Description         string    `json:"description"`
	Status              string    `json:"status"`
	Current             bool      `json:"current"`
	EligibleForRollback bool      `json:"eligible_for_rollback"`
	CreatedAt           timestamp `json:"created_at"`
	UpdatedAt           timestamp `json:"updated_at"`
	Slug                *idRef    `json:"slug"`
	User                userRef   `json:"user"`
	App                 ref       `json:"app"`
	OutputStreamURL     *string   `json:"output_stream_url"`
	AddonPlanNames      []string  `json:"addon_plan_names"`
	Artifacts           []string  `json:"artifacts"`
}

type idRef struct {
	ID uuid.UUID `json:"id"`
}

func renderRelease(r platform.Release) releaseJSON {
	out := releaseJSON{
		ID: r.ID, Version: r.Version, Description: r.Description, Status: r.Status, Current: r.Current,
		EligibleForRollback: r.EligibleForRollback(), CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt),
		App: ref{r.App.ID, r.App.Name}, User: userRef{Email: r.UserEmail}, AddonPlanNames: []string{}, Artifacts: []string{},
	}
	if r.UserID != nil {
		out.User.ID = *r.UserID
	}
	if r.SlugID != nil {
		out.Slug = &idRef{*r.SlugID}
	}
	return out
}

type formationJSON struct {
	ID        uuid.UUID `json:"id"`
	Type      string    `json:"type"`
	Command   string    `json:"command"`
	Quantity  int       `json:"quantity"`
	Size      string    `json:"size"`
	CreatedAt timestamp `json:"created_at"`
	UpdatedAt timestamp `json:"updated_at"`
	App       ref       `json:"app"`
}

func renderFormation(f platform.Formation) formationJSON {
	return formationJSON{ID: f.ID, Type: f.Type, Command: f.Command, Quantity: f.Quantity, Size: f.Size,
		CreatedAt: ts(f.CreatedAt), UpdatedAt: ts(f.UpdatedAt), App: ref{f.App.ID, f.App.Name}}
}

type domainJSON struct {
	ID          uuid.UUID `json:"id"`
	Hostname    string    `json:"hostname"`
	Kind        string    `json:"kind"`
	CNAME       *string   `json:"cname"`
	Status      string    `json:"status"`
	ACMStatus   *string   `json:"acm_status"`
	SNIEndpoint *idRef    `json:"sni_endpoint"`
	CreatedAt   timestamp `json:"created_at"`
	UpdatedAt   timestamp `json:"updated_at"`
	App         ref       `json:"app"`
}

func (a *API) renderDomain(d platform.Domain) domainJSON {
	out := domainJSON{ID: d.ID, Hostname: d.Hostname, Kind: d.Kind, Status: "succeeded",
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt), App: ref{d.App.ID, d.App.Name}}
	if d.Kind == "custom" {
		// Point the custom name's CNAME at the app's built-in hostname.
		cname := a.builtinHost(d.App.Name)
		out.CNAME = &cname
	}
	return out
}

type collaboratorJSON struct {
	ID   uuid.UUID `json:"id"`
	App  ref       `json:"app"`
	User struct {
		ID        uuid.UUID `json:"id"`
		Email     string    `json:"email"`
		Federated bool      `json:"federated"`
	} `json:"user"`
	Role        string    `json:"role"`
	Permissions []string  `json:"permissions"`
	CreatedAt   timestamp `json:"created_at"`
	UpdatedAt   timestamp `json:"updated_at"`
}

func renderCollaborator(c platform.Collaborator) collaboratorJSON {
	out := collaboratorJSON{ID: c.ID, App: ref{c.App.ID, c.App.Name}, Role: c.Role, Permissions: []string{},
		CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
	out.User.ID, out.User.Email = c.User.ID, c.User.Email
	return out
}

type authorizationJSON struct {
	ID          uuid.UUID `json:"id"`
	AccessToken *struct {
		ID        uuid.UUID `json:"id"`
		Token     string    `json:"token,omitempty"`
		ExpiresIn *int64    `json:"expires_in"`
	} `json:"access_token"`
	Description string    `json:"description"`
	Scope       []string  `json:"scope"`
	CreatedAt   timestamp `json:"created_at"`
	UpdatedAt   timestamp `json:"updated_at"`
	User        struct {
		ID       uuid.UUID `json:"id"`
		Email    string    `json:"email"`
		FullName string    `json:"full_name"`
	} `json:"user"`
	Client       *ref `json:"client"`
	Grant        *ref `json:"grant"`
	RefreshToken *ref `json:"refresh_token"`
	Session      *ref `json:"session"`
}

// renderAuthorization shows a token; its secret only when the caller already
// holds it (on creation, or when asking about the token it sent).
func (a *API) renderAuthorization(t platform.Token) authorizationJSON {
	out := authorizationJSON{ID: t.ID, Description: t.Description, Scope: []string{"global"},
		CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.UpdatedAt)}
	out.AccessToken = &struct {
		ID        uuid.UUID `json:"id"`
		Token     string    `json:"token,omitempty"`
		ExpiresIn *int64    `json:"expires_in"`
	}{ID: t.ID, Token: t.Secret}
	if t.ExpiresAt != nil {
		left := int64(t.ExpiresAt.Sub(a.Now()).Seconds())
		out.AccessToken.ExpiresIn = &left
	}
	out.User.ID, out.User.Email, out.User.FullName = t.User.ID, t.User.Email, t.User.Name
	return out
}

type accountJSON struct {
	ID                      uuid.UUID  `json:"id"`
	Email                   string     `json:"email"`
	Name                    string     `json:"name"`
	Admin                   bool       `json:"admin"` // Pier's own field
	CreatedAt               timestamp  `json:"created_at"`
	UpdatedAt               timestamp  `json:"updated_at"`
	AllowTracking           bool       `json:"allow_tracking"`
	Beta                    bool       `json:"beta"`
	Verified                bool       `json:"verified"`
	Federated               bool       `json:"federated"`
	TwoFactorAuthentication bool       `json:"two_factor_authentication"`
	LastLogin               *timestamp `json:"last_login"`
	DefaultOrganization     *ref       `json:"default_organization"`
	DefaultTeam             *ref       `json:"default_team"`
	SuspendedAt             *timestamp `json:"suspended_at"`
	DelinquentAt            *timestamp `json:"delinquent_at"`
	SMSNumber               *string    `json:"sms_number"`
}

func renderAccount(u platform.User) accountJSON {
	return accountJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, CreatedAt: ts(u.CreatedAt),
		UpdatedAt: ts(u.UpdatedAt), Verified: true}
}

type dynoSizeJSON struct {
	ID               uuid.UUID `json:"id"`
	Name             string    `json:"name"`
	Compute          int       `json:"compute"`
	Memory           float64   `json:"memory"` // GB, as Heroku reports it
	CPUs             float64   `json:"cpus"`   // Pier's own field: the container's CPU limit
	Dedicated        bool      `json:"dedicated"`
	DynoUnits        float64   `json:"dyno_units"`
	PrivateSpaceOnly bool      `json:"private_space_only"`
	Cost             *struct{} `json:"cost"`
}

func renderDynoSize(s platform.DynoSize) dynoSizeJSON {
	return dynoSizeJSON{ID: stableID("dyno-size/" + s.Name), Name: s.Name, Compute: s.Compute,
		Memory: float64(s.MemoryMB) / 1024, CPUs: s.CPUs, Dedicated: s.Dedicated, DynoUnits: s.DynoUnits}
}

type slugJSON struct {
	ID                           uuid.UUID         `json:"id"`
	Image                        string            `json:"image"` // Pier's own field: the container image
	Blob                         *struct{}         `json:"blob"`
	BuildpackProvidedDescription *string           `json:"buildpack_provided_description"`
	Checksum                     *string           `json:"checksum"`
	Commit                       *string           `json:"commit"`
	CommitDescription            *string           `json:"commit_description"`
	ProcessTypes                 map[string]string `json:"process_types"`
	Size                         *int64            `json:"size"`
	Stack                        ref               `json:"stack"`
	CreatedAt                    timestamp         `json:"created_at"`
	UpdatedAt                    timestamp         `json:"updated_at"`
}

func renderSlug(s platform.Slug) slugJSON {
	return slugJSON{ID: s.ID, Image: s.Image, BuildpackProvidedDescription: s.BuildpackProvidedDescription,
		Checksum: s.Checksum, Commit: s.Commit, CommitDescription: s.CommitDescription, ProcessTypes: s.ProcessTypes,
		Size: s.Size, Stack: ref{stableID("stack/" + s.Stack), s.Stack}, CreatedAt: ts(s.CreatedAt), UpdatedAt: ts(s.UpdatedAt)}
}

type userJSON struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Admin     bool      `json:"admin"`
	Password  string    `json:"password,omitempty"` // only when Pier generated it
	CreatedAt timestamp `json:"created_at"`
	UpdatedAt timestamp `json:"updated_at"`
}

func renderUser(u platform.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin, CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt)}
}

type auditJSON struct {
	ID        int64     `json:"id"`
	CreatedAt timestamp `json:"created_at"`
	Actor     *userRef  `json:"actor"`
	SourceIP  string    `json:"source_ip"`
	RequestID string    `json:"request_id"`
	Action    string    `json:"action"`
	App       string    `json:"app"`
	Status    int       `json:"status"`
	Outcome   string    `json:"outcome"`
	Message   string    `json:"message"`
}

func renderAudit(e platform.AuditEntry) auditJSON {
	out := auditJSON{ID: e.ID, CreatedAt: ts(e.CreatedAt), SourceIP: e.SourceIP, RequestID: e.RequestID,
		Action: e.Action, App: e.App, Status: e.Status, Outcome: e.Outcome, Message: e.Message}
	if e.ActorID != nil {
		out.Actor = &userRef{*e.ActorID, e.ActorEmail}
	}
	return out
}
