// Package fetch downloads the published microWakeWord models
// (github.com/esphome/micro-wake-word-models, models/v2) into genie's models
// folder, checking each TFLite file against a sha256 pinned here. It lives
// apart from package wakeword so that the runtime does not depend on net.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/genie-voice/genie/wakeword"
)

// DefaultBaseURL is the folder of the published microWakeWord v2 models
// (github.com/esphome/micro-wake-word-models, models/v2): NAME.json and
// NAME.tflite are fetched from it.
const DefaultBaseURL = "https://raw.githubusercontent.com/esphome/micro-wake-word-models/main/models/v2/"

// published pins the sha256 of every published model's TFLite file. The
// manifests are not pinned: upstream edits them (okay_nabu.json's
// tensor_arena_size changed between revisions), so Model validates a manifest
// by parsing it and checking that it names NAME.tflite instead.
var published = map[string]string{
	"alexa":       "9011a8155b04de858c48038529235cbc0e42e9fca05a55bf588cb80a653a723b",
	"hey_jarvis":  "21a7976add39ee24ec96c63d96b7aaa18e24d1d9824b963e451da8feb4b78b77",
	"hey_mycroft": "c2a9b6ed51182db72e014781d5a4ece1929dc232a40b5b4be384f0295f0e1571",
	"okay_nabu":   "0689abe1912a95a3318a0d8cb2e67bad0cbcfe3e24dd6e050c75debddfb6f891",
	"vad":         "7aa4db6d5fb7c5358609f6931e7847d303c16a43d178638bc14104f50d7eff5f",
}

// Size limits of downloaded files; the published models are 50..80 KiB and
// their manifests under 1 KiB.
const (
	maxManifestBytes = 64 << 10
	maxModelBytes    = 8 << 20
)

// Published returns the names Model knows, sorted: alexa, hey_jarvis,
// hey_mycroft, okay_nabu, vad.
func Published() []string {
	names := make([]string, 0, len(published))
	for n := range published {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ErrChecksum means a downloaded model file does not have its pinned sha256.
var ErrChecksum = errors.New("fetch: checksum mismatch")

// Opts configures Model.
type Opts struct {
	// BaseURL is the folder NAME.json and NAME.tflite are fetched from; ""
	// means DefaultBaseURL. A missing final "/" is added.
	BaseURL string
	// Client does the requests; nil means a client with a 2-minute timeout.
	Client *http.Client
}

// Model downloads the published model name (see Published) into dir:
// NAME.tflite, checked against its pinned sha256 and loaded once to prove the
// runtime accepts it, then NAME.json, parsed and checked to name NAME.tflite.
// Each file is written to a temporary file in dir and renamed into place, the
// manifest last, so a manifest in dir always has its model next to it. On any
// error nothing new is left in dir. It returns the manifest's path.
func Model(ctx context.Context, name, dir string, o Opts) (manifestPath string, err error) {
	sum, ok := published[name]
	if !ok {
		return "", fmt.Errorf("fetch: unknown model %q (published: %s)", name, strings.Join(Published(), ", "))
	}
	base := o.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if _, err := url.Parse(base); err != nil {
		return "", fmt.Errorf("fetch: base URL: %w", err)
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}

	mj, err := download(ctx, client, base+name+".json", maxManifestBytes)
	if err != nil {
		return "", err
	}
	m, err := wakeword.ParseManifest(mj)
	if err != nil {
		return "", fmt.Errorf("fetch: %s.json: %w", name, err)
	}
	if m.Model != name+".tflite" {
		return "", fmt.Errorf("fetch: %s.json names model %q, want %q", name, m.Model, name+".tflite")
	}
	tf, err := download(ctx, client, base+name+".tflite", maxModelBytes)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(tf)
	if got := hex.EncodeToString(h[:]); got != sum {
		return "", fmt.Errorf("%w: %s%s.tflite has sha256 %s, want %s (%d bytes; nothing written)", ErrChecksum, base, name, got, sum, len(tf))
	}
	if _, err := wakeword.LoadModelBytes(name, mj, tf); err != nil {
		return "", fmt.Errorf("fetch: %s: %w", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fetch: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, name+".tflite"), tf); err != nil {
		return "", err
	}
	manifestPath = filepath.Join(dir, name+".json")
	if err := writeAtomic(manifestPath, mj); err != nil {
		return "", err
	}
	return manifestPath, nil
}

// download GETs u and returns its body, failing on a non-200 status, a body
// longer than limit or shorter than its Content-Length.
func download(ctx context.Context, c *http.Client, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch: %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: %s: after %d bytes: %w", u, len(b), err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("fetch: %s: larger than %d bytes", u, limit)
	}
	if resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength {
		return nil, fmt.Errorf("fetch: %s: got %d of %d bytes", u, len(b), resp.ContentLength)
	}
	return b, nil
}

// writeAtomic writes b to a temporary file next to path, syncs it and renames
// it to path; on error the temporary file is removed.
func writeAtomic(path string, b []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("fetch: write %s: %w", path, err)
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
