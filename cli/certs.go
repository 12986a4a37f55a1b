package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// certJSON is what the CLI reads of an SNI endpoint (an app's certificate).
type certJSON struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	SSLCert struct {
		CASigned    bool     `json:"ca_signed?"`
		SelfSigned  bool     `json:"self_signed?"`
		CertDomains []string `json:"cert_domains"`
		Subject     string   `json:"subject"`
		Issuer      string   `json:"issuer"`
		StartsAt    string   `json:"starts_at"`
		ExpiresAt   string   `json:"expires_at"`
	} `json:"ssl_cert"`
}

// maxPEMFile matches the server's limit on a certificate chain or key.
const maxPEMFile = 64 << 10

func certsCommands() []*cli.Command {
	nameFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "name", Usage: "the certificate's name (see pier certs); needed when the app has several"}
	}
	confirmFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "confirm", Aliases: []string{"c"}, Usage: "the app's name, to confirm without a prompt"}
	}
	return []*cli.Command{
		{
			Name: "certs", Category: "certs",
			Usage:  "list an app's SSL certificates",
			Flags:  append(appFlags(), jsonFlag()),
			Action: listCerts,
		},
		{
			Name: "certs:add", Category: "certs",
			Usage: "add an SSL certificate to an app, served for the custom domains it names", ArgsUsage: "CERT_FILE KEY_FILE",
			Description: "CERT_FILE holds the certificate then any intermediates, KEY_FILE its private key, both in PEM.",
			Flags:       append(appFlags(), jsonFlag()),
			Action:      addCert,
		},
		{
			Name: "certs:info", Category: "certs",
			Usage:  "show an SSL certificate's details",
			Flags:  append(appFlags(), nameFlag(), jsonFlag()),
			Action: certInfo,
		},
		{
			Name: "certs:update", Category: "certs",
			Usage: "replace an SSL certificate (e.g. renewed) and its key", ArgsUsage: "CERT_FILE KEY_FILE",
			Flags:  append(appFlags(), nameFlag(), confirmFlag(), jsonFlag()),
			Action: updateCert,
		},
		{
			Name: "certs:remove", Aliases: []string{"certs:rm"}, Category: "certs",
			Usage:  "remove an SSL certificate from an app",
			Flags:  append(appFlags(), nameFlag(), confirmFlag()),
			Action: removeCert,
		},
	}
}

func listCerts(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	var certs []certJSON
	raw, err := cl.list(c.Context, appPath(app, "sni-endpoints"), &certs)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		return printJSON(w, raw)
	}
	if len(certs) == 0 {
		fmt.Fprintf(w, "%s has no SSL certificates.\nUse pier certs:add CERT_FILE KEY_FILE to add one.\n", appLabel(app))
		return nil
	}
	var rows [][]string
	for _, ct := range certs {
		rows = append(rows, []string{ct.Name, strings.Join(ct.SSLCert.CertDomains, ", "), humanTime(ct.SSLCert.ExpiresAt),
			trusted(ct), fmt.Sprint(len(ct.Domains))})
	}
	printTable(w, []string{"Name", "Common Name(s)", "Expires", "Trusted", "Domains"}, rows)
	return nil
}

func trusted(ct certJSON) string {
	if ct.SSLCert.CASigned {
		return "True"
	}
	return "False"
}

func addCert(c *cli.Context) error {
	cl, app, body, err := certUpload(c)
	if err != nil {
		return err
	}
	var ct certJSON
	printed, err := submit(c, "Adding SSL certificate to "+appLabel(app), func() ([]byte, error) {
		return cl.post(c.Context, appPath(app, "sni-endpoints"), body, &ct)
	}, func() string { return ct.Name })
	if err != nil || printed {
		return err
	}
	printCertDetails(c.App.Writer, ct, "Certificate details:")
	if len(ct.Domains) == 0 {
		fmt.Fprintf(c.App.Writer, "No custom domain of %s matches the certificate yet: it is served once one does (pier domains:add HOSTNAME).\n", appLabel(app))
	}
	return nil
}

func certInfo(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	ct, raw, err := findCert(c, cl, app)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	printHeading(c.App.Writer, ct.Name+" for "+appLabel(app))
	printCertDetails(c.App.Writer, ct, "")
	return nil
}

func updateCert(c *cli.Context) error {
	cl, app, body, err := certUpload(c)
	if err != nil {
		return err
	}
	ct, _, err := findCert(c, cl, app)
	if err != nil {
		return err
	}
	if err := confirmCertChange(c, app, fmt.Sprintf("This replaces the certificate %s of %s.", ct.Name, appLabel(app))); err != nil {
		return err
	}
	name := ct.Name
	printed, err := submit(c, fmt.Sprintf("Updating SSL certificate %s for %s", name, appLabel(app)), func() ([]byte, error) {
		return cl.patch(c.Context, appPath(app, "sni-endpoints", name), body, &ct)
	}, nil)
	if err != nil || printed {
		return err
	}
	printCertDetails(c.App.Writer, ct, "Updated certificate details:")
	return nil
}

func removeCert(c *cli.Context) error {
	if err := checkArgs(c, 0, 0); err != nil {
		return err
	}
	cl, app, err := appClient(c)
	if err != nil {
		return err
	}
	ct, _, err := findCert(c, cl, app)
	if err != nil {
		return err
	}
	if err := confirmCertChange(c, app, fmt.Sprintf("This removes the certificate %s from %s: its domains can no longer be reached over HTTPS.", ct.Name, appLabel(app))); err != nil {
		return err
	}
	return action(c.App.Writer, fmt.Sprintf("Removing SSL certificate %s from %s", ct.Name, appLabel(app)), func() (string, error) {
		_, err := cl.delete(c.Context, appPath(app, "sni-endpoints", ct.Name), nil)
		return "", err
	})
}

// findCert is the certificate --name names, or the app's only one.
func findCert(c *cli.Context, cl *client, app string) (certJSON, []byte, error) {
	var ct certJSON
	if name := strings.TrimSpace(c.String("name")); name != "" {
		raw, err := cl.get(c.Context, appPath(app, "sni-endpoints", name), &ct)
		return ct, raw, err
	}
	var certs []certJSON
	if _, err := cl.list(c.Context, appPath(app, "sni-endpoints"), &certs); err != nil {
		return ct, nil, err
	}
	switch len(certs) {
	case 0:
		return ct, nil, fmt.Errorf("%s has no SSL certificates", appLabel(app))
	case 1:
		raw, err := cl.get(c.Context, appPath(app, "sni-endpoints", certs[0].Name), &ct)
		return ct, raw, err
	}
	names := make([]string, len(certs))
	for i, x := range certs {
		names[i] = x.Name
	}
	return ct, nil, fmt.Errorf("%s has %d SSL certificates: choose one with --name (%s)", appLabel(app), len(certs), strings.Join(names, ", "))
}

func printCertDetails(w io.Writer, ct certJSON, title string) {
	if title != "" {
		fmt.Fprintln(w, title)
	}
	pairs := [][2]string{
		{"Common Name(s)", strings.Join(ct.SSLCert.CertDomains, ", ")},
		{"Expires At", humanTime(ct.SSLCert.ExpiresAt)},
		{"Issuer", ct.SSLCert.Issuer},
		{"Starts At", humanTime(ct.SSLCert.StartsAt)},
		{"Subject", ct.SSLCert.Subject},
	}
	if len(ct.Domains) > 0 {
		pairs = append(pairs, [2]string{"Domain(s)", strings.Join(ct.Domains, ", ")})
	}
	printKeyValues(w, pairs)
	switch {
	case ct.SSLCert.CASigned:
		fmt.Fprintln(w, "SSL certificate is verified by a root authority.")
	case ct.SSLCert.SelfSigned:
		fmt.Fprintln(w, "SSL certificate is self signed.")
	default:
		fmt.Fprintln(w, "SSL certificate is not trusted.")
	}
}

// certUpload is what certs:add and certs:update share: their CERT_FILE
// KEY_FILE arguments read into an sni-endpoint body, and the app's client.
// The files' contents go to the server only: no message here shows them.
func certUpload(c *cli.Context) (cl *client, app string, body map[string]any, err error) {
	if err := checkArgs(c, 2, 2); err != nil {
		return nil, "", nil, err
	}
	chain, err := readPEMFile(c.Args().Get(0), "certificate")
	if err != nil {
		return nil, "", nil, err
	}
	key, err := readPEMFile(c.Args().Get(1), "key")
	if err != nil {
		return nil, "", nil, err
	}
	if cl, app, err = appClient(c); err != nil {
		return nil, "", nil, err
	}
	return cl, app, map[string]any{"certificate_chain": chain, "private_key": key}, nil
}

func readPEMFile(path, what string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("Can't read the %s file %s: it doesn't exist", what, path)
		}
		return "", fmt.Errorf("Can't read the %s file: %v", what, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return "", fmt.Errorf("Can't read the %s file %s: %v", what, path, err)
	}
	if len(b) > maxPEMFile {
		return "", fmt.Errorf("The %s file %s is larger than 64 KiB: give the PEM file", what, path)
	}
	if !strings.Contains(string(b), "-----BEGIN ") {
		return "", fmt.Errorf("The %s file %s is not PEM (no -----BEGIN line): convert it, e.g. with openssl x509 -inform der (certificate) or openssl pkey -inform der (key)", what, path)
	}
	return string(b), nil
}

// confirmCertChange asks for the app's name on a terminal, as the heroku CLI
// does before replacing or removing a certificate; --confirm APP answers
// ahead, and without a terminal the command refuses.
func confirmCertChange(c *cli.Context, app, warning string) error {
	confirm := c.String("confirm")
	if confirm == "" {
		f, ok := c.App.Reader.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return fmt.Errorf("%s To proceed, run again with --confirm %s", warning, app)
		}
		fmt.Fprintf(c.App.ErrWriter, " ▸    %s\n ▸    To proceed, type %s or re-run this command with --confirm %s\n\n> ", warning, app, app)
		var err error
		if confirm, err = newPrompter(c).line(""); err != nil {
			return err
		}
	}
	if confirm != app {
		return fmt.Errorf("Confirmation %q did not match %s: nothing was changed", confirm, app)
	}
	return nil
}
