package platform

import (
	"time"

	"github.com/google/uuid"
)

// User is a person (or robot) with API access. Admins see every app.
type User struct {
	ID        uuid.UUID
	Email     string
	Name      string
	Admin     bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Token is an API token (a Heroku "OAuth authorization"). The secret itself is
// known only when the token is created; Pier keeps its hash.
type Token struct {
	ID          uuid.UUID
	User        User
	Description string
	Secret      string // set only on creation, or when the caller presented it
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   *time.Time
}

// App is a named application owned by a user.
type App struct {
	ID             uuid.UUID
	Name           string
	Owner          User
	Maintenance    bool
	ReleaseVersion int // version of the newest release; the concurrency guard
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ReleasedAt     *time.Time
}

// Ref identifies an app by id and name, as embedded in other resources.
type Ref struct {
	ID   uuid.UUID
	Name string
}

// Config is one immutable version of an app's config vars.
type Config struct {
	ID   uuid.UUID
	Vars map[string]string
}

// Slug is what a release runs: a container image and its process types.
type Slug struct {
	ID                           uuid.UUID
	App                          Ref
	Image                        string
	ProcessTypes                 map[string]string
	Commit                       *string
	CommitDescription            *string
	BuildpackProvidedDescription *string
	Stack                        string
	Checksum                     *string
	Size                         *int64
	CreatedAt                    time.Time
	UpdatedAt                    time.Time
}

// Release statuses.
const (
	ReleasePending   = "pending"
	ReleaseSucceeded = "succeeded"
	ReleaseFailed    = "failed"
)

// Release is an immutable pairing of a slug (possibly none yet) and a config.
type Release struct {
	ID          uuid.UUID
	App         Ref
	Version     int
	Description string
	Status      string
	SlugID      *uuid.UUID
	ConfigID    uuid.UUID
	UserID      *uuid.UUID
	UserEmail   string
	Current     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// EligibleForRollback is true for any release that settled successfully: as on
// Heroku, the current release is eligible too.
func (r Release) EligibleForRollback() bool { return r.Status == ReleaseSucceeded }

// Formation is the desired count and size of one process type.
type Formation struct {
	ID       uuid.UUID
	App      Ref
	Type     string
	Command  string
	Quantity int
	Size     string
	// Generation counts restarts (ps:restart) of this process type.
	Generation int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// FormationUpdate changes one process type. Quantity is absolute unless
// Relative is set, in which case it is added (and may be negative).
type FormationUpdate struct {
	Type     string
	Quantity *int
	Relative bool
	Size     string
}

// Domain is a hostname the router answers for an app.
type Domain struct {
	ID        uuid.UUID
	App       Ref
	Hostname  string
	Kind      string // "heroku" for the built-in APP.PIER_DOMAIN, else "custom"
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Collaborator is a user given access to an app by its owner.
type Collaborator struct {
	ID        uuid.UUID
	App       Ref
	User      User
	Role      string // "owner" or "collaborator"
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Event is one entry of the ordered, append-only event log.
type Event struct {
	ID        int64
	AppID     *uuid.UUID
	AppName   string
	Kind      string
	Actor     string
	Data      map[string]any
	CreatedAt time.Time
}

// AuditEntry records one mutating API call.
type AuditEntry struct {
	ID         int64
	CreatedAt  time.Time
	ActorID    *uuid.UUID
	ActorEmail string
	SourceIP   string
	RequestID  string
	Action     string
	App        string
	Status     int
	Outcome    string
	Message    string
}

// Host is a Docker engine in the pool that runs apps' containers.
type Host struct {
	ID             uuid.UUID
	Name           string
	Endpoint       string // unix:///var/run/docker.sock or tcp://host:port
	TLSDir         string // ca.pem, cert.pem and key.pem for a tcp:// endpoint; "" for none
	Labels         map[string]string
	Draining       bool
	CPUs           int
	MemoryMB       int
	EngineVersion  string
	Healthy        bool
	UnhealthySince *time.Time
	LastSeenAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// HostSpec is what an admin gives to add a host.
type HostSpec struct {
	Endpoint string
	Name     string // "" takes the engine's own
	Labels   map[string]string
	TLSDir   string
}

// HostInfo is what an engine says about itself when it is added.
type HostInfo struct {
	Name          string
	CPUs          int
	MemoryMB      int
	EngineVersion string
}

// Workload is what the scheduler and router need to know about one app:
// its current release (nil Release when it has none that runs code), the
// formation and the hostnames it answers at.
type Workload struct {
	App         Ref
	Maintenance bool
	Release     *Release
	Image       string            // the slug's image
	ImageRef    string            // the slug's image as named (in PIER_REGISTRY, for one built there)
	Commands    map[string]string // process type → command
	Env         map[string]string // the release's config vars
	Formation   []Formation
	Domains     []string // custom hostnames (the built-in one is derived)
}

// Dyno is one running (or crashed) container of an app.
type Dyno struct {
	ID        string // container id
	App       Ref
	Name      string // web.1
	Type      string
	State     string // starting, up, crashed, down; pending when no host can take it
	Reason    string // why it is pending
	Command   string
	Size      string
	Release   ReleaseRef
	Host      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ReleaseRef names a release.
type ReleaseRef struct {
	ID      uuid.UUID
	Version int
}

// Image is what a deploy reads from a container image.
type Image struct {
	ID           string // sha256:…, what releases run
	ProcessTypes map[string]string
}

// OneOff asks for a one-off dyno (`pier run`, Heroku's run.1234).
type OneOff struct {
	App     uuid.UUID
	Command string
	Size    DynoSize
	Env     map[string]string // added to the release's config (TERM, COLUMNS...)
	Attach  bool
	TTY     bool
}
