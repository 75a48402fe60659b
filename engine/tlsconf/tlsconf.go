// Package tlsconf turns Redis's tls-* directives into crypto/tls configurations,
// with Redis's start-up checks and log lines, and bridges a TLS connection to a
// plain socket for code that works on raw descriptors (the engine's event loop).
//
// Flow: Build(settings) checks the directives in the order Redis's tlsConfigure
// does and returns a server and a client *tls.Config (or an error whose text is
// the line Redis logs). A listener accepts, the caller completes the handshake and
// calls Pipe, which returns one end of a socketpair: what the loop reads there is
// the decrypted stream, what it writes there is encrypted towards the peer by two
// goroutines.
//
// It imports only the standard library and x/sys/unix, so sentinel and proxy use
// it as well as the engine.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Settings are the tls-* directives (Redis's redisTLSContextConfig plus the
// server-wide switches that decide whether a CA is needed).
type Settings struct {
	CertFile, KeyFile, KeyFilePass                   string
	ClientCertFile, ClientKeyFile, ClientKeyFilePass string
	CACertFile, CACertDir                            string
	DHParamsFile                                     string
	Protocols, Ciphers, Ciphersuites                 string
	// AuthClients is "yes", "no" or "optional" ("" counts as "yes", Redis's default).
	AuthClients         string
	PreferServerCiphers bool
	SessionCaching      bool
	// Cluster and Replication are tls-cluster and tls-replication: with either, as
	// with client authentication, a CA is required to verify the peer.
	Cluster, Replication bool
}

// Build checks s as Redis's tlsConfigure does and returns the configuration for
// accepted connections and for outgoing ones (replication, sentinel). The error's
// text is the line Redis logs before "Failed to configure TLS. Check logs for
// more info."
func Build(s Settings) (server, client *tls.Config, err error) {
	if s.CertFile == "" {
		return nil, nil, errors.New("No tls-cert-file configured!")
	}
	if s.KeyFile == "" {
		return nil, nil, errors.New("No tls-key-file configured!")
	}
	if (s.AuthClients != "no" || s.Cluster || s.Replication) && s.CACertFile == "" && s.CACertDir == "" {
		return nil, nil, errors.New("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
	}
	minV, maxV, err := parseProtocols(s.Protocols)
	if err != nil {
		return nil, nil, err
	}
	cert, err := loadPair(s.CertFile, s.KeyFile, s.KeyFilePass)
	if err != nil {
		return nil, nil, err
	}
	var pool *x509.CertPool
	if s.CACertFile != "" || s.CACertDir != "" {
		if pool, err = loadCAs(s.CACertFile, s.CACertDir); err != nil {
			return nil, nil, fmt.Errorf("Failed to configure CA certificate(s) file/directory: %v", err)
		}
	}
	suites, err := parseCiphers(s.Ciphers)
	if err != nil {
		return nil, nil, err
	}
	if err := checkCiphersuites(s.Ciphersuites); err != nil {
		return nil, nil, err
	}
	if s.DHParamsFile != "" {
		// Go offers no finite-field DHE, so the parameters are never used; the file
		// must still exist, as Redis refuses to start without it.
		if _, err := os.ReadFile(s.DHParamsFile); err != nil {
			return nil, nil, fmt.Errorf("Failed to load %s: %v", s.DHParamsFile, unwrapPathErr(err))
		}
	}
	clientCert := cert
	if s.ClientCertFile != "" && s.ClientKeyFile != "" {
		if clientCert, err = loadPair(s.ClientCertFile, s.ClientKeyFile, s.ClientKeyFilePass); err != nil {
			return nil, nil, err
		}
	}
	server = &tls.Config{
		Certificates:           []tls.Certificate{cert},
		MinVersion:             minV,
		MaxVersion:             maxV,
		CipherSuites:           suites,
		ClientCAs:              pool,
		SessionTicketsDisabled: !s.SessionCaching,
	}
	switch s.AuthClients {
	case "no":
		server.ClientAuth = tls.NoClientCert
	case "optional":
		server.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		server.ClientAuth = tls.RequireAndVerifyClientCert
	}
	client = &tls.Config{
		Certificates: []tls.Certificate{clientCert},
		MinVersion:   minV,
		MaxVersion:   maxV,
		CipherSuites: suites,
		// Redis verifies the peer's chain against the CA but not its name (it
		// sets no host for OpenSSL to check): masters are dialled by address.
		InsecureSkipVerify: true,
		VerifyConnection:   verifyChain(pool),
	}
	return server, client, nil
}

// verifyChain checks the peer's certificate chain against pool, ignoring the
// name, as OpenSSL's SSL_VERIFY_PEER without a host does.
func verifyChain(pool *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the peer sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
			Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		return err
	}
}

// parseProtocols reads tls-protocols ("TLSv1.2 TLSv1.3", case-insensitive).
// Empty means TLS 1.2 and 1.3, Redis's safe default. Go takes a range, so a
// set with a hole (TLSv1 TLSv1.2) allows the versions between too.
func parseProtocols(str string) (minV, maxV uint16, err error) {
	if str == "" {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, tok := range strings.Split(str, " ") {
		var v uint16
		switch strings.ToLower(tok) {
		case "tlsv1":
			v = tls.VersionTLS10
		case "tlsv1.1":
			v = tls.VersionTLS11
		case "tlsv1.2":
			v = tls.VersionTLS12
		case "tlsv1.3":
			v = tls.VersionTLS13
		default:
			return 0, 0, errors.New("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
		}
		if minV == 0 || v < minV {
			minV = v
		}
		maxV = max(maxV, v)
	}
	return minV, maxV, nil
}

// loadPair loads a certificate chain and its key, with Redis's messages. A
// passphrase decrypts a legacy "Proc-Type: 4,ENCRYPTED" PEM key; Go's standard
// library cannot read encrypted PKCS#8 keys.
func loadPair(certFile, keyFile, pass string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("Failed to load certificate: %s: %v", certFile, unwrapPathErr(err))
	}
	var chain [][]byte
	for rest := certPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			chain = append(chain, b.Bytes)
		}
	}
	if len(chain) == 0 {
		return tls.Certificate{}, fmt.Errorf("Failed to load certificate: %s: no PEM certificate found", certFile)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("Failed to load private key: %s: %v", keyFile, unwrapPathErr(err))
	}
	if pass != "" {
		if b, _ := pem.Decode(keyPEM); b != nil && x509.IsEncryptedPEMBlock(b) { //nolint:staticcheck // legacy PEM encryption is what a passphrase here means
			der, err := x509.DecryptPEMBlock(b, []byte(pass)) //nolint:staticcheck
			if err != nil {
				return tls.Certificate{}, fmt.Errorf("Failed to load private key: %s: %v", keyFile, err)
			}
			keyPEM = pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der})
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("Failed to load private key: %s: %v", keyFile, err)
	}
	return cert, nil
}

// loadCAs reads the CA bundle file and every PEM file of the CA directory
// (OpenSSL wants hashed names there; any certificate file is taken here).
func loadCAs(file, dir string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, unwrapPathErr(err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s: no PEM certificate found", file)
		}
	}
	if dir != "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, unwrapPathErr(err)
		}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				pool.AppendCertsFromPEM(b) // not every file of the directory is a certificate
			}
		}
	}
	return pool, nil
}

// unwrapPathErr drops the "open <file>:" prefix: the messages name the file
// themselves.
func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseCiphers maps tls-ciphers, an OpenSSL cipher list for TLS 1.2 and older,
// onto Go's suites. OpenSSL keywords and exclusions (HIGH, DEFAULT, !aNULL,
// @STRENGTH) are accepted and leave Go's default choice; a list naming nothing
// OpenSSL knows fails as OpenSSL does ("Failed to configure ciphers").
func parseCiphers(list string) ([]uint16, error) {
	if list == "" {
		return nil, nil
	}
	var ids []uint16
	known := false
	for _, tok := range strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if id, ok := opensslCiphers[tok]; ok {
			ids = append(ids, id)
			known = true
			continue
		}
		if strings.ContainsAny(tok[:1], "!-+@") || opensslKeywords[strings.ToUpper(tok)] {
			known = true
		}
	}
	if !known {
		return nil, fmt.Errorf("Failed to configure ciphers: %s", list)
	}
	return ids, nil
}

// checkCiphersuites accepts tls-ciphersuites naming TLS 1.3 suites. Go always
// offers its own TLS 1.3 suites (they cannot be restricted), so the list is
// checked and otherwise has no effect.
func checkCiphersuites(list string) error {
	if list == "" {
		return nil
	}
	for _, tok := range strings.Split(list, ":") {
		switch tok {
		case "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
			"TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256":
			return nil
		}
	}
	return fmt.Errorf("Failed to configure ciphersuites: %s", list)
}

// opensslCiphers are OpenSSL's names for the TLS 1.2 suites Go implements.
var opensslCiphers = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// opensslKeywords are OpenSSL cipher-string words that select groups.
var opensslKeywords = map[string]bool{
	"DEFAULT": true, "ALL": true, "HIGH": true, "MEDIUM": true, "COMPLEMENTOFDEFAULT": true,
	"ECDHE": true, "EECDH": true, "AESGCM": true, "CHACHA20": true, "AES": true, "AES128": true,
	"AES256": true, "SHA256": true, "SHA384": true, "ECDSA": true, "RSA": true, "KRSA": true,
	"AECDH": true, "TLSV1.2": true, "SECLEVEL=0": true, "SECLEVEL=1": true, "SECLEVEL=2": true,
}

// PeerServer is server for connections from peers that present their own node
// certificate as a client certificate (the cluster bus): the certificate is checked
// against the CA as the client side checks servers (any key usage, no name), since a
// node's certificate is usually issued for serving. tls-auth-clients still decides
// whether a peer must present one.
func PeerServer(server *tls.Config) *tls.Config {
	p := server.Clone()
	verify := verifyChain(server.ClientCAs)
	switch server.ClientAuth {
	case tls.RequireAndVerifyClientCert:
		p.ClientAuth = tls.RequireAnyClientCert
		p.VerifyConnection = verify
	case tls.VerifyClientCertIfGiven:
		p.ClientAuth = tls.RequestClientCert
		p.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil
			}
			return verify(cs)
		}
	}
	return p
}
