package proxy

import (
	"net/http/httptest"
	"testing"
)

// httptestServer serves p's metrics on a test HTTP server and returns its URL.
func httptestServer(t *testing.T, p *Proxy) string {
	srv := httptest.NewServer(p.metrics.handler())
	t.Cleanup(srv.Close)
	return srv.URL
}
