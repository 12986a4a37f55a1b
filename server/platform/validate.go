package platform

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/pier-paas/pier/procfile"
)

var (
	appNameRe   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)
	configKeyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	hostnameRe  = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	emailRe     = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

// ValidateAppName applies Heroku's rule for app names.
func ValidateAppName(name string) error {
	if !appNameRe.MatchString(name) {
		return Invalid("Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes (3 to 30 characters): %q", name)
	}
	return nil
}

// ValidateProcessType checks a Procfile process type name.
func ValidateProcessType(t string) error {
	if !procfile.ValidType(t) {
		return Invalid("Invalid process type %q: use letters, digits, dashes and underscores (at most 30).", t)
	}
	return nil
}

// Limits on config vars: Heroku allows 32 KB per app in all.
const (
	MaxConfigBytes  = 32 * 1024
	maxConfigKeyLen = 256
)

// ValidateConfigKey checks a config var name: it becomes an environment variable.
func ValidateConfigKey(k string) error {
	if len(k) > maxConfigKeyLen || !configKeyRe.MatchString(k) {
		return Invalid("Invalid config var name %q: use letters, digits and underscores, not starting with a digit.", k)
	}
	return nil
}

// ValidateConfigVars checks a whole config for size and well-formed values.
func ValidateConfigVars(vars map[string]string) error {
	size := 0
	for k, v := range vars {
		if err := ValidateConfigKey(k); err != nil {
			return err
		}
		if strings.ContainsRune(v, 0) {
			return Invalid("Config var %s contains a NUL byte.", k)
		}
		size += len(k) + len(v)
	}
	if size > MaxConfigBytes {
		return Invalid("Config vars would take %d bytes; the limit is %d.", size, MaxConfigBytes)
	}
	return nil
}

// ValidateHostname checks a custom domain's hostname (lowercased by the caller).
func ValidateHostname(h string) error {
	if len(h) > 253 || !hostnameRe.MatchString(h) {
		return Invalid("Invalid hostname %q: give a fully qualified domain name such as www.example.com.", h)
	}
	return nil
}

// NormalizeEmail lowercases and checks an email address.
func NormalizeEmail(e string) (string, error) {
	e = strings.ToLower(strings.TrimSpace(e))
	if len(e) > 254 || !emailRe.MatchString(e) || strings.ContainsFunc(e, unicode.IsControl) {
		return "", Invalid("Invalid email address %q.", e)
	}
	return e, nil
}

// DynoSize is a named container size: its limits feed the scheduler.
type DynoSize struct {
	Name         string
	Compute      int     // relative CPU share, Heroku's "compute units"
	CPUs         float64 // CPU limit handed to the container
	MemoryMB     int
	Dedicated    bool
	DynoUnits    float64
	PrivateSpace bool
}

// DynoSizes are the sizes a formation may use, named as Heroku names them:
// the heroku CLI compares these names literally.
var DynoSizes = []DynoSize{
	{Name: "Eco", Compute: 1, CPUs: 0.25, MemoryMB: 512, DynoUnits: 0},
	{Name: "Basic", Compute: 1, CPUs: 0.25, MemoryMB: 512, DynoUnits: 1},
	{Name: "Standard-1X", Compute: 1, CPUs: 0.5, MemoryMB: 512, DynoUnits: 1},
	{Name: "Standard-2X", Compute: 2, CPUs: 1, MemoryMB: 1024, DynoUnits: 2},
	{Name: "Performance-M", Compute: 11, CPUs: 2, MemoryMB: 2560, Dedicated: true, DynoUnits: 8},
	{Name: "Performance-L", Compute: 46, CPUs: 4, MemoryMB: 14336, Dedicated: true, DynoUnits: 16},
}

// DefaultSize is what new process types get.
const DefaultSize = "Standard-1X"

// LookupSize finds a size by name, case-insensitively ("standard-2x" works).
func LookupSize(name string) (DynoSize, error) {
	for _, s := range DynoSizes {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	names := make([]string, len(DynoSizes))
	for i, s := range DynoSizes {
		names[i] = s.Name
	}
	return DynoSize{}, Invalid("Unknown dyno size %q; choose one of %s.", name, strings.Join(names, ", "))
}

// ConfigChangeDescription words a release description as Heroku does.
func ConfigChangeDescription(set, removed []string) string {
	sort.Strings(set)
	sort.Strings(removed)
	var parts []string
	if len(set) > 0 {
		parts = append(parts, fmt.Sprintf("Set %s config vars", strings.Join(set, ", ")))
	}
	if len(removed) > 0 {
		parts = append(parts, fmt.Sprintf("Remove %s config vars", strings.Join(removed, ", ")))
	}
	if len(parts) == 0 {
		return "Update config vars"
	}
	return strings.Join(parts, " and ")
}
