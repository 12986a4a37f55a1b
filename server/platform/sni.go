package platform

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// SNIEndpoint is a TLS certificate of an app's, served by SNI for the app's
// custom domains it names (Heroku's "SNI endpoint"). Its private key is never
// part of it: the store keeps that sealed.
type SNIEndpoint struct {
	ID               uuid.UUID
	Name             string // generated, e.g. "tokyo-1050"; unique within the app
	App              Ref
	CertificateChain string // PEM, leaf first
	Cert             CertificateInfo
	// Domains are the app's custom hostnames the certificate covers.
	Domains   []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CertificateInfo describes a chain's leaf certificate.
type CertificateInfo struct {
	CertDomains []string // the DNS names it is valid for, maybe wildcards
	Subject     string   // OpenSSL's one-line form, e.g. "/O=Acme/CN=www.example.com"
	Issuer      string
	StartsAt    time.Time
	ExpiresAt   time.Time
	CASigned    bool // it chains to a root this server trusts
	SelfSigned  bool
}

// Certificate is a certificate chain and its private key, checked and
// normalised by ParseCertificate.
type Certificate struct {
	ChainPEM string // the chain's certificates, re-encoded, leaf first
	KeyPEM   []byte // the key as PKCS #8 PEM: a secret, to be sealed
	Info     CertificateInfo
}

// MaxCertificatePEMBytes bounds each of the chain and the key.
const MaxCertificatePEMBytes = 64 << 10

// MaxSNIEndpointsPerApp bounds the certificates one app may hold.
const MaxSNIEndpointsPerApp = 100

// ErrSNIEndpointNotFound is worded as Heroku words it.
var ErrSNIEndpointNotFound = NotFound("sni_endpoint", "Couldn't find that SNI endpoint.")

// ParseCertificate checks a PEM certificate chain and private key as a user
// gives them, and returns them normalised: the leaf (the certificate the key
// belongs to) first, the key as PKCS #8. Whatever is wrong is an Invalid error
// naming what to fix; no message ever quotes the key. The certificate is
// CA-signed if it chains to one of roots (nil: to none; the caller loads the
// system's roots, as this package does no I/O).
func ParseCertificate(chainPEM, keyPEM string, now time.Time, roots *x509.CertPool) (Certificate, error) {
	if strings.TrimSpace(chainPEM) == "" {
		return Certificate{}, Invalid("certificate_chain is missing: give the certificate (then any intermediates) in PEM, starting with -----BEGIN CERTIFICATE-----.")
	}
	if strings.TrimSpace(keyPEM) == "" {
		return Certificate{}, Invalid("private_key is missing: give the certificate's private key in PEM, starting with -----BEGIN PRIVATE KEY-----.")
	}
	if len(chainPEM) > MaxCertificatePEMBytes {
		return Certificate{}, Invalid("certificate_chain is %d bytes; the limit is %d (64 KiB).", len(chainPEM), MaxCertificatePEMBytes)
	}
	if len(keyPEM) > MaxCertificatePEMBytes {
		return Certificate{}, Invalid("private_key is %d bytes; the limit is %d (64 KiB).", len(keyPEM), MaxCertificatePEMBytes)
	}
	certs, err := parseChain(chainPEM)
	if err != nil {
		return Certificate{}, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return Certificate{}, err
	}
	pub := key.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool })
	leafAt := -1
	for i, c := range certs {
		if pub.Equal(c.PublicKey) {
			leafAt = i
			break
		}
	}
	if leafAt < 0 {
		return Certificate{}, Invalid("private_key does not match the certificate: it is the key of another certificate. Give the key the certificate was issued for.")
	}
	if leafAt > 0 { // the leaf goes first, the rest keep their order
		certs = append([]*x509.Certificate{certs[leafAt]}, append(certs[:leafAt:leafAt], certs[leafAt+1:]...)...)
	}
	leaf := certs[0]
	if now.After(leaf.NotAfter) {
		return Certificate{}, Invalid("The certificate expired on %s: renew it, then upload the new one.", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if len(leaf.DNSNames) == 0 {
		return Certificate{}, Invalid("The certificate names no hostname (it has no DNS subject alternative names), so clients would refuse it: issue it for your domains.")
	}
	if !serverAuth(leaf) {
		return Certificate{}, Invalid("The certificate is not for TLS servers: its extended key usage leaves out server authentication.")
	}

	var out Certificate
	var chain bytes.Buffer
	for _, c := range certs {
		pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	out.ChainPEM = chain.String()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Certificate{}, Invalid("private_key can't be used: %v.", err)
	}
	out.KeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if _, err := tls.X509KeyPair([]byte(out.ChainPEM), out.KeyPEM); err != nil {
		return Certificate{}, Invalid("The certificate and key can't serve TLS together: %v.", err)
	}
	out.Info = certificateInfo(certs, now, roots)
	return out, nil
}

func parseChain(s string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, Invalid("certificate_chain: certificate %d can't be read (%v).", len(certs)+1, err)
			}
			certs = append(certs, c)
		case strings.Contains(b.Type, "PRIVATE KEY"):
			return nil, Invalid("certificate_chain holds a private key: give only certificates there, and the key in private_key.")
		default:
			return nil, Invalid("certificate_chain holds a %s PEM block: only CERTIFICATE blocks belong there.", blockType(b))
		}
	}
	if len(certs) == 0 {
		return nil, Invalid("certificate_chain is not a PEM certificate: expected a block starting with -----BEGIN CERTIFICATE-----.")
	}
	return certs, nil
}

func parseKey(s string) (crypto.PrivateKey, error) {
	var key crypto.PrivateKey
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "EC PARAMETERS": // what `openssl ecparam -genkey` writes first
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, errEncryptedKey
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
				return nil, errEncryptedKey
			}
			if key != nil {
				return nil, Invalid("private_key holds more than one key: give only the certificate's.")
			}
			k, err := parseKeyDER(b.Type, b.Bytes)
			if err != nil {
				return nil, err
			}
			key = k
		case "CERTIFICATE":
			return nil, Invalid("private_key holds a certificate, not a key: give the certificate in certificate_chain and its private key here.")
		default:
			return nil, Invalid("private_key holds a %s PEM block, not a private key.", blockType(b))
		}
	}
	if key == nil {
		return nil, Invalid("private_key is not a PEM private key: expected a block starting with -----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, EC PRIVATE KEY).")
	}
	return key, nil
}

var errEncryptedKey = Invalid("private_key is encrypted with a passphrase: give it decrypted (e.g. openssl pkey -in KEY -out KEY.plain).")

const keyTypes = "use an RSA (2048 bits or more), ECDSA (P-256, P-384 or P-521) or Ed25519 key"

// parseKeyDER reads a key whatever its label claims, then checks that TLS can
// sign with it.
func parseKeyDER(label string, der []byte) (crypto.PrivateKey, error) {
	var key crypto.PrivateKey
	var errs [3]error
	key, errs[0] = x509.ParsePKCS8PrivateKey(der)
	if errs[0] != nil {
		key, errs[1] = x509.ParsePKCS1PrivateKey(der)
	}
	if errs[0] != nil && errs[1] != nil {
		key, errs[2] = x509.ParseECPrivateKey(der)
	}
	if errs[0] != nil && errs[1] != nil && errs[2] != nil {
		// PKCS #8 names the algorithm even when Go has no use for it.
		if strings.Contains(errs[0].Error(), "unknown algorithm") {
			return nil, Invalid("private_key is of a type TLS here can't use (%v): %s.", errs[0], keyTypes)
		}
		return nil, Invalid("private_key can't be read: its %s PEM block holds no PKCS #8, PKCS #1 (RSA) or SEC 1 (EC) key.", label)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return nil, Invalid("private_key is a %d-bit RSA key, too weak: %s.", bits, keyTypes)
		}
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, Invalid("private_key is an ECDSA key on curve %s, which TLS can't use: %s.", k.Curve.Params().Name, keyTypes)
		}
	case ed25519.PrivateKey:
	case *ecdh.PrivateKey:
		return nil, Invalid("private_key is of type %v (for key agreement), which can't sign TLS handshakes: %s.", k.Curve(), keyTypes)
	default:
		return nil, Invalid("private_key is of type %s, which can't sign TLS handshakes: %s.", strings.TrimPrefix(fmt.Sprintf("%T", key), "*"), keyTypes)
	}
	return key, nil
}

// blockType quotes a PEM block's type for an error message, briefly.
func blockType(b *pem.Block) string {
	t := b.Type
	if len(t) > 40 {
		t = t[:40] + "…"
	}
	return fmt.Sprintf("%q", t)
}

func serverAuth(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func certificateInfo(certs []*x509.Certificate, now time.Time, roots *x509.CertPool) CertificateInfo {
	leaf := certs[0]
	info := CertificateInfo{
		Subject: distinguishedName(leaf.Subject), Issuer: distinguishedName(leaf.Issuer),
		StartsAt: leaf.NotBefore.UTC(), ExpiresAt: leaf.NotAfter.UTC(),
	}
	for _, n := range leaf.DNSNames {
		info.CertDomains = append(info.CertDomains, strings.TrimSuffix(strings.ToLower(n), "."))
	}
	info.SelfSigned = bytes.Equal(leaf.RawSubject, leaf.RawIssuer) &&
		leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature) == nil
	if !info.SelfSigned && roots != nil {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		info.CASigned = err == nil
	}
	return info
}

var attributeNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
	"2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.17": "postalCode",
	"1.2.840.113549.1.9.1": "emailAddress", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
}

// distinguishedName writes a name as OpenSSL's one-line form does, which is
// how Heroku shows subjects and issuers: "/C=US/O=Acme/CN=www.example.com".
func distinguishedName(n pkix.Name) string {
	var b strings.Builder
	for _, atv := range n.Names {
		k := attributeNames[atv.Type.String()]
		if k == "" {
			k = atv.Type.String()
		}
		fmt.Fprintf(&b, "/%s=%v", k, atv.Value)
	}
	return b.String()
}

// CertificateCovers reports whether a certificate's DNS name (maybe a
// wildcard) is valid for hostname. A wildcard stands for exactly one label:
// *.example.com covers a.example.com, not example.com nor a.b.example.com.
// A wildcard hostname (a custom domain such as *.example.com) is covered only
// by the same wildcard.
func CertificateCovers(certName, hostname string) bool {
	certName = strings.TrimSuffix(strings.ToLower(certName), ".")
	hostname = strings.TrimSuffix(strings.ToLower(hostname), ".")
	if certName == "" || hostname == "" {
		return false
	}
	if certName == hostname {
		return true
	}
	parent, ok := strings.CutPrefix(certName, "*.")
	if !ok {
		return false
	}
	label, rest, ok := strings.Cut(hostname, ".")
	return ok && label != "" && label != "*" && rest == parent
}

// CoveredHostnames returns those of hostnames that one of certDomains covers,
// in their order; never nil.
func CoveredHostnames(certDomains, hostnames []string) []string {
	out := []string{}
	for _, h := range hostnames {
		for _, n := range certDomains {
			if CertificateCovers(n, h) {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

var ports = []string{"aarhus", "antwerp", "bergen", "bilbao", "brest", "busan", "cadiz", "cork", "dakar", "dover", "gdansk", "galway", "genoa", "halifax", "hamburg", "kobe", "lisbon", "marseille", "mombasa", "nagoya", "naples", "osaka", "oslo", "piraeus", "porto", "rotterdam", "sydney", "tallinn", "tokyo", "turku", "valparaiso", "yokohama"}

// GenerateSNIEndpointName makes a Heroku-style certificate name such as "tokyo-1050".
func GenerateSNIEndpointName() string {
	return fmt.Sprintf("%s-%d", ports[pick(len(ports))], 1000+pick(99000))
}
