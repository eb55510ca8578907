package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
	"github.com/genie-voice/genie/wakeword"
)

// modelServer serves the shared models as the published collection does, with
// per-path overrides: a replacement body, a status code, or a truncation.
type modelServer struct {
	dir      string
	body     map[string][]byte // path → body instead of the file
	status   map[string]int    // path → status code
	truncate map[string]bool   // path → announce the full length, send half
	hits     int
}

func (s *modelServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits++
	p := strings.TrimPrefix(r.URL.Path, "/models/v2/")
	if code, ok := s.status[p]; ok {
		http.Error(w, http.StatusText(code), code)
		return
	}
	b, ok := s.body[p]
	if !ok {
		var err error
		if b, err = os.ReadFile(filepath.Join(s.dir, filepath.Base(p))); err != nil {
			http.NotFound(w, r)
			return
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if s.truncate[p] {
		w.Write(b[:len(b)/2])
		return // the server closes the connection short of Content-Length
	}
	w.Write(b)
}

func newModelServer(t *testing.T) (*modelServer, string) {
	t.Helper()
	s := &modelServer{dir: sharedtest.Dir(t, "models/microwakeword"), body: map[string][]byte{}, status: map[string]int{}, truncate: map[string]bool{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL + "/models/v2" // no final slash: Fetch adds it
}

// dirEntries lists dir's files, temporary ones included.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestFetchWritesVerifiedModel(t *testing.T) {
	for _, name := range Published() {
		t.Run(name, func(t *testing.T) {
			_, base := newModelServer(t)
			dir := filepath.Join(t.TempDir(), "models")
			p, err := Model(context.Background(), name, dir, Opts{BaseURL: base})
			if err != nil {
				t.Fatal(err)
			}
			if p != filepath.Join(dir, name+".json") {
				t.Errorf("manifest path %s", p)
			}
			md, err := wakeword.LoadModel(p)
			if err != nil {
				t.Fatal(err)
			}
			if md.Name != name {
				t.Errorf("loaded %q", md.Name)
			}
			want, _ := os.ReadFile(filepath.Join(sharedtest.Dir(t, "models/microwakeword"), name+".tflite"))
			got, _ := os.ReadFile(filepath.Join(dir, name+".tflite"))
			if !bytes.Equal(got, want) {
				t.Error("model file differs from the served one")
			}
			if es := dirEntries(t, dir); len(es) != 2 {
				t.Errorf("files %v, want the model and its manifest only", es)
			}
		})
	}
}

func TestFetchFailsLeavingNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *modelServer)
		want  string
		is    error
	}{
		{"sha_mismatch", func(s *modelServer) {
			b, _ := os.ReadFile(filepath.Join(s.dir, "okay_nabu.tflite"))
			b = bytes.Clone(b)
			b[len(b)-1] ^= 1
			s.body["okay_nabu.tflite"] = b
		}, "okay_nabu.tflite has sha256", ErrChecksum},
		{"model_404", func(s *modelServer) { s.status["okay_nabu.tflite"] = 404 }, "404 Not Found", nil},
		{"manifest_404", func(s *modelServer) { s.status["okay_nabu.json"] = 404 }, "404 Not Found", nil},
		{"model_truncated", func(s *modelServer) { s.truncate["okay_nabu.tflite"] = true }, "okay_nabu.tflite: after", io.ErrUnexpectedEOF},
		{"model_short_no_length", func(s *modelServer) {
			b, _ := os.ReadFile(filepath.Join(s.dir, "okay_nabu.tflite"))
			s.body["okay_nabu.tflite"] = b[:1000]
		}, "has sha256", ErrChecksum},
		{"manifest_truncated", func(s *modelServer) { s.truncate["okay_nabu.json"] = true }, "okay_nabu.json: after", io.ErrUnexpectedEOF},
		{"manifest_garbage", func(s *modelServer) { s.body["okay_nabu.json"] = []byte("<html>rate limited</html>") }, "okay_nabu.json: wakeword: manifest", nil},
		{"manifest_names_other_model", func(s *modelServer) {
			b, _ := os.ReadFile(filepath.Join(s.dir, "okay_nabu.json"))
			s.body["okay_nabu.json"] = bytes.Replace(b, []byte(`"okay_nabu.tflite"`), []byte(`"../evil.tflite"`), 1)
		}, `names model "../evil.tflite"`, nil},
		{"server_error", func(s *modelServer) { s.status["okay_nabu.json"] = 500 }, "500 Internal Server Error", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := newModelServer(t)
			tt.setup(s)
			dir := filepath.Join(t.TempDir(), "models")
			_, err := Model(context.Background(), "okay_nabu", dir, Opts{BaseURL: base})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "fetch: ") {
				t.Fatalf("error %v, want \"fetch: ...%s...\"", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if es := dirEntries(t, dir); len(es) != 0 {
				t.Errorf("left %v in the models directory", es)
			}
		})
	}
}

func TestFetchKeepsOldFilesOnFailure(t *testing.T) {
	s, base := newModelServer(t)
	dir := t.TempDir()
	if _, err := Model(context.Background(), "alexa", dir, Opts{BaseURL: base}); err != nil {
		t.Fatal(err)
	}
	s.body["alexa.tflite"] = []byte("not a model")
	if _, err := Model(context.Background(), "alexa", dir, Opts{BaseURL: base}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("error %v, want ErrChecksum", err)
	}
	if _, err := wakeword.LoadModel(filepath.Join(dir, "alexa.json")); err != nil {
		t.Errorf("the earlier download no longer loads: %v", err)
	}
}

func TestFetchRejectsUnknownName(t *testing.T) {
	s, base := newModelServer(t)
	_, err := Model(context.Background(), "hey_genie", t.TempDir(), Opts{BaseURL: base})
	if err == nil || !strings.Contains(err.Error(), `unknown model "hey_genie"`) {
		t.Fatalf("error %v", err)
	}
	if s.hits != 0 {
		t.Errorf("%d requests for an unknown model", s.hits)
	}
}

func TestFetchHonoursContext(t *testing.T) {
	_, base := newModelServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Model(ctx, "vad", t.TempDir(), Opts{BaseURL: base}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
