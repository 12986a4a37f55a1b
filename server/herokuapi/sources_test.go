package herokuapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pier-paas/pier/server/herokuapi"
)

// put sends body to a source URL.
func put(t *testing.T, url string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// A tarball PUT to a source's put_url comes back byte for byte from its
// get_url, in chunks larger than one row; a wrong secret, an upload over
// the limit and an unknown source are refused with Heroku's error JSON,
// and a refused upload leaves the earlier one in place.
func TestSourceBlobs(t *testing.T) {
	e := newEnv(t, func(a *herokuapi.API) { a.MaxSourceBytes = 4 << 20 })
	var blob struct {
		SourceBlob struct {
			GetURL string `json:"get_url"`
			PutURL string `json:"put_url"`
		} `json:"source_blob"`
	}
	e.must(201, e.admin, "POST", "/sources", nil).JSON(t, &blob)
	if !strings.Contains(blob.SourceBlob.PutURL, "/source-blobs/") || blob.SourceBlob.GetURL == "" {
		t.Fatalf("source_blob %+v", blob.SourceBlob)
	}
	if code, b := get(t, blob.SourceBlob.GetURL); code != 404 || !strings.Contains(string(b), "Nothing has been uploaded") {
		t.Errorf("GET before PUT: %d %s", code, b)
	}

	data := make([]byte, 3<<20+12345) // four chunks, the last one short
	rand.Read(data)
	if code, b := put(t, blob.SourceBlob.PutURL, bytes.NewReader(data)); code != 200 {
		t.Fatalf("PUT: %d %s", code, b)
	}
	if code, b := get(t, blob.SourceBlob.GetURL); code != 200 || !bytes.Equal(b, data) {
		t.Fatalf("GET: %d, %d bytes, same as sent: %v", code, len(b), bytes.Equal(b, data))
	}

	// Too large, with and without a Content-Length: refused, and the
	// earlier upload is still there.
	big := make([]byte, 5<<20)
	for _, body := range []io.Reader{bytes.NewReader(big), io.MultiReader(bytes.NewReader(big))} {
		code, b := put(t, blob.SourceBlob.PutURL, body)
		var je map[string]string
		if code != 413 || json.Unmarshal([]byte(b), &je) != nil || je["id"] != "request_entity_too_large" || !strings.Contains(je["message"], "4 MB") {
			t.Errorf("too large: %d %s", code, b)
		}
	}
	if code, b := get(t, blob.SourceBlob.GetURL); code != 200 || !bytes.Equal(b, data) {
		t.Errorf("after a refused upload: %d, %d bytes", code, len(b))
	}

	wrong := blob.SourceBlob.GetURL + "ff" // the secret, one byte longer
	for _, url := range []string{wrong, e.srv.URL + "/source-blobs/not-a-uuid/x", e.srv.URL + "/source-blobs/"} {
		if code, b := get(t, url); code != 404 || !strings.Contains(string(b), `"id":"not_found"`) {
			t.Errorf("GET %s: %d %s", url, code, b)
		}
	}
	if code, _ := put(t, wrong, strings.NewReader("x")); code != 404 {
		t.Errorf("PUT with a wrong secret: %d", code)
	}
	// Making a source needs a user.
	e.mustError(401, "unauthorized", "", "POST", "/sources", nil)
}
