package main

import (
	"crypto/sha256"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func hashTree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	h := map[string][32]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		h[rel] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// needSynthesizers skips the test without espeak-ng and flite, and fails it
// when CI=true (.ci/run installs them).
func needSynthesizers(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "flite"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing", tool)
			}
			t.Skipf("%s missing: skipping", tool)
		}
	}
}

// A tiny set is complete, labelled and the same for the same seed.
func TestSmallSetIsDeterministic(t *testing.T) {
	needSynthesizers(t)
	a, b := t.TempDir(), t.TempDir()
	if err := run(a, 3, 1, 30*time.Second, 2, nil); err != nil {
		t.Fatal(err)
	}
	if err := run(b, 3, 1, 30*time.Second, 1, nil); err != nil {
		t.Fatal(err)
	}
	ha, hb := hashTree(t, a), hashTree(t, b)
	// 4 phrases × 2 conditions, 1 negative wav with its transcript, labels.
	if len(ha) != 8+2+1 {
		t.Errorf("%d files: %v", len(ha), ha)
	}
	for k, v := range ha {
		if hb[k] != v {
			t.Errorf("%s differs between runs with the same seed", k)
		}
	}
	f, err := os.Open(filepath.Join(a, "labels.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+9 || rows[0][0] != "file" || rows[1][1] != "alexa" || rows[len(rows)-1][1] != "-" {
		t.Errorf("labels %v", rows)
	}
}

// -heldout keeps exactly the voices the wake-word trainer tests on.
func TestHeldOutVoices(t *testing.T) {
	needSynthesizers(t)
	keep, err := heldOut()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v    voice
		want bool
	}{
		{voice{"flite", "rms"}, true},
		{voice{"espeak-ng", "mb-us2"}, true},
		{voice{"espeak-ng", "en-us+Lee"}, true},
		{voice{"espeak-ng", "en-gb+whisperf"}, true},
		{voice{"flite", "awb"}, false}, // trains
		{voice{"flite", "slt"}, false}, // validates
		{voice{"espeak-ng", "en-us"}, false},
		{voice{"espeak-ng", "en-us+m3"}, false},
		{voice{"espeak-ng", "mb-us1"}, false},
	} {
		if got := keep(tc.v); got != tc.want {
			t.Errorf("heldOut(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
	vs := voices(keep)
	if len(vs) == 0 {
		t.Fatal("no held-out voices")
	}
	for _, v := range vs {
		if !keep(v) {
			t.Errorf("voices(heldOut) returned %v", v)
		}
	}
}
